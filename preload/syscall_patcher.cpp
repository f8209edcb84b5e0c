// Patches libc's `syscall` instructions (see preload/syscall_hook.hpp).
//
// Finding sites: libc's text is searched for the bytes 0f 05; each hit is
// mapped to its function through .eh_frame_hdr's table of function starts,
// and that function is disassembled with capstone from its start, so a hit
// counts only if it is a real `syscall` instruction.
//
// Patching a site: a 5-byte `jmp rel32` needs the syscall (2 bytes) plus a
// neighbour: the instruction before it (typically `mov $NR, %eax`), else the
// instructions after it (typically `cmp $-4095, %rax`). A neighbour must be
// relocatable (no RIP-relative operand; relative jumps and calls are
// re-encoded as rel32) and no direct branch in the function may land inside
// the replaced bytes other than at their start. The replaced instructions
// run in the site's trampoline:
//
//     [the instruction before, if taken]
//     cmp $56/$58/$435, %eax; je raw      clone, vfork, clone3: the child
//                                         returns on its own stack, so these
//                                         run right here, nothing pushed
//     lea -128(%rsp), %rsp                 below the red zone
//     call *entry                          preload/syscall_entry.S
//     lea 128(%rsp), %rsp
//     jmp after
//   raw: syscall
//   after:
//     [the instructions after, if taken]
//     jmp back
// A site whose number is loaded right before it, and is one the entry hands
// to shunt, needs neither the clone checks nor the raw syscall: it calls the
// entry past its bitmap test (shunt_syscall_entry_fd).
//
// Left alone (counted): rt_sigreturn sites (unwinders recognise signal
// frames by __restore_rt's exact bytes), sites with no safe neighbour, and
// sites whose number is loaded right before them and is never one shunt
// handles (most of libc's: pread, fstat, mmap, ...; never_shunts).
// Trampolines live within ±2 GiB of libc (rel32 both ways). Patching
// happens in libshunt's constructor, before the app's main; it is skipped
// when another thread already runs (code being rewritten under it).
#include <cpuid.h>
#include <time.h>
#include <dirent.h>
#include <link.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <capstone/capstone.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_set>
#include <vector>

#include "preload/log.hpp"
#include "preload/syscall_hook.hpp"
#include "preload/syscall_plan.hpp"

extern "C" void shunt_syscall_entry();
extern "C" void shunt_syscall_entry_fd();
extern "C" unsigned long shunt_xsave_size;

namespace shunt::preload::syscall_hook {
namespace {

report g_report;

int find_libc(dl_phdr_info* info, size_t, void* arg) {
    const char* name = info->dlpi_name;
    if (!name || !std::strstr(name, "/libc.so.6")) return 0;
    auto* img = static_cast<libc_image*>(arg);
    img->path = name;
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        const ElfW(Phdr)& ph = info->dlpi_phdr[i];
        if (ph.p_type == PT_LOAD && (ph.p_flags & PF_X)) {
            img->text = info->dlpi_addr + ph.p_vaddr;
            img->text_end = img->text + ph.p_memsz;
        } else if (ph.p_type == PT_GNU_EH_FRAME) {
            img->eh_frame_hdr = reinterpret_cast<const std::uint8_t*>(info->dlpi_addr + ph.p_vaddr);
        }
    }
    return 1;
}

// Function starts from .eh_frame_hdr's binary search table (sorted). Only
// the common encoding (datarel sdata4 pairs, udata4 count) is read.
std::vector<std::uintptr_t> function_starts(const std::uint8_t* hdr) {
    std::vector<std::uintptr_t> starts;
    if (!hdr || hdr[0] != 1 || hdr[3] != 0x3b) return starts;  // version 1, DW_EH_PE_datarel|sdata4
    const std::uint8_t* p = hdr + 4;
    // eh_frame_ptr (its own encoding, hdr[1]): skip 4 bytes for sdata4/udata4.
    if ((hdr[1] & 0x0f) != 0x0b && (hdr[1] & 0x0f) != 0x03) return starts;
    p += 4;
    if (hdr[2] != 0x03) return starts;  // fde_count: udata4
    std::uint32_t count;
    std::memcpy(&count, p, 4);
    p += 4;
    starts.reserve(count);
    for (std::uint32_t i = 0; i < count; ++i, p += 8) {
        std::int32_t loc;
        std::memcpy(&loc, p, 4);
        starts.push_back(reinterpret_cast<std::uintptr_t>(hdr) + static_cast<std::intptr_t>(loc));
    }
    return starts;
}

bool rip_relative(const cs_insn* ci) {
    const cs_x86& x = ci->detail->x86;
    for (int i = 0; i < x.op_count; ++i)
        if (x.operands[i].type == X86_OP_MEM && x.operands[i].mem.base == X86_REG_RIP) return true;
    return false;
}

void disassemble(csh h, std::uintptr_t start, std::uintptr_t end, std::vector<insn>& out,
                 std::unordered_set<std::uintptr_t>& targets) {
    cs_insn* ci = cs_malloc(h);
    const std::uint8_t* code = reinterpret_cast<const std::uint8_t*>(start);
    size_t size = end - start;
    std::uint64_t addr = start;
    while (size > 0) {
        if (!cs_disasm_iter(h, &code, &size, &addr, ci)) {  // not code: step over a byte
            ++code;
            --size;
            ++addr;
            continue;
        }
        insn in{};
        in.addr = static_cast<std::uintptr_t>(ci->address);
        in.size = static_cast<std::uint8_t>(ci->size);
        std::memcpy(in.bytes, ci->bytes, std::min<std::size_t>(ci->size, sizeof in.bytes));
        const bool jump = cs_insn_group(h, ci, CS_GRP_JUMP), call = cs_insn_group(h, ci, CS_GRP_CALL);
        const bool relative = cs_insn_group(h, ci, CS_GRP_BRANCH_RELATIVE);
        const cs_x86& x = ci->detail->x86;
        if (ci->id == X86_INS_SYSCALL) {
            in.k = k_syscall;
        } else if ((jump || call) && relative && x.op_count == 1 && x.operands[0].type == X86_OP_IMM) {
            in.target = static_cast<std::uintptr_t>(x.operands[0].imm);
            targets.insert(in.target);
            const std::uint8_t op = in.bytes[0];
            if (call) in.k = op == 0xe8 ? k_call : k_unsafe;
            else if (ci->id == X86_INS_JMP) in.k = (op == 0xeb || op == 0xe9) ? k_jmp : k_unsafe;
            else if ((op >= 0x70 && op <= 0x7f) || (op == 0x0f && (in.bytes[1] & 0xf0) == 0x80)) in.k = k_jcc;
            else in.k = k_unsafe;  // jrcxz, loop, prefixed forms
        } else if (jump || call || cs_insn_group(h, ci, CS_GRP_IRET) || cs_insn_group(h, ci, CS_GRP_INT) ||
                   rip_relative(ci)) {
            in.k = k_unsafe;
        } else if (cs_insn_group(h, ci, CS_GRP_RET)) {
            in.k = ci->id == X86_INS_RET && in.size == 1 ? k_ret : k_unsafe;
        } else {
            in.k = k_plain;
        }
        out.push_back(in);
    }
    cs_free(ci, 1);
}

// Trampoline code, appended to a buffer whose final address is known.
class emitter {
public:
    emitter(std::uint8_t* base, std::uintptr_t addr) : base_(base), addr_(addr) {}
    std::uintptr_t here() const { return addr_ + n_; }
    std::size_t size() const { return n_; }
    void bytes(const void* p, std::size_t k) {
        std::memcpy(base_ + n_, p, k);
        n_ += k;
    }
    void u8(std::uint8_t b) { base_[n_++] = b; }
    void rel32_to(std::uintptr_t target) {  // after the opcode: relative to the next instruction
        const std::int64_t rel = static_cast<std::int64_t>(target) - static_cast<std::int64_t>(here() + 4);
        const auto r = static_cast<std::int32_t>(rel);
        bytes(&r, 4);
    }
    std::size_t mark() const { return n_; }
    void patch_rel32(std::size_t at, std::uintptr_t target) {  // a rel32 field at offset `at`
        const std::int64_t rel = static_cast<std::int64_t>(target) - static_cast<std::int64_t>(addr_ + at + 4);
        const auto r = static_cast<std::int32_t>(rel);
        std::memcpy(base_ + at, &r, 4);
    }

private:
    std::uint8_t* base_;
    std::uintptr_t addr_;
    std::size_t n_ = 0;
};

bool fits_rel32(std::uintptr_t from, std::uintptr_t to) {
    const std::int64_t d = static_cast<std::int64_t>(to) - static_cast<std::int64_t>(from);
    return d > -0x7fff0000LL && d < 0x7fff0000LL;
}

// A relocated instruction (plain, ret, or a relative branch re-encoded rel32).
void relocate(emitter& e, const insn& in) {
    switch (in.k) {
        case k_jcc:
            e.u8(0x0f);
            e.u8(static_cast<std::uint8_t>(0x80 | ((in.bytes[0] == 0x0f ? in.bytes[1] : in.bytes[0]) & 0x0f)));
            e.rel32_to(in.target);
            return;
        case k_jmp: e.u8(0xe9); e.rel32_to(in.target); return;
        case k_call: e.u8(0xe8); e.rel32_to(in.target); return;
        default: e.bytes(in.bytes, in.size); return;
    }
}

struct site {
    std::size_t first, last;  // instruction indexes of the replaced window
    std::size_t syscall;
};

bool relocatable(const insn& in) {
    return in.k == k_plain || in.k == k_ret || in.k == k_jcc || in.k == k_jmp || in.k == k_call;
}

// `mov $imm32, %eax` (b8 imm32) or `mov $imm32, %rax` (48 c7 c0 imm32) right
// before the syscall at `at`: its length (5 or 7), or 0. The syscall number
// is then known: *nr.
int number_load_before(std::uintptr_t at, std::uint32_t* nr) {
    const auto* b = reinterpret_cast<const std::uint8_t*>(at);
    if (b[-5] == 0xb8) {
        std::memcpy(nr, b - 4, 4);
        return 5;
    }
    if (b[-7] == 0x48 && b[-6] == 0xc7 && b[-5] == 0xc0) {
        std::memcpy(nr, b - 4, 4);
        return 7;
    }
    return 0;
}

// The window to replace around the syscall at index k, if one is safe. The
// instruction before is taken only when it is the number load (read by its
// bytes, so a disassembly that started off an instruction boundary cannot
// mislead it); otherwise the instructions after, decoded from the syscall's
// end. rt_sigreturn sites are never touched.
bool choose_window(const std::vector<insn>& ins, std::size_t k, std::uintptr_t text, std::uintptr_t fn_end,
                   const std::unordered_set<std::uintptr_t>& targets, site* s) {
    const insn& sc = ins[k];
    std::uint32_t nr = ~0u;
    const int before = sc.addr - text >= 7 ? number_load_before(sc.addr, &nr) : 0;
    if (before && nr == 15) return false;  // rt_sigreturn (__restore_rt): unwinders match its bytes
    if (before && k > 0 && ins[k - 1].addr == sc.addr - static_cast<std::uintptr_t>(before) &&
        ins[k - 1].size == before && !targets.count(sc.addr)) {
        *s = {k - 1, k, k};
        return true;
    }
    std::size_t total = sc.size, j = k + 1;
    std::uintptr_t end = sc.addr + sc.size;
    while (total < 5) {
        if (j >= ins.size() || ins[j].addr != end || end + ins[j].size > fn_end) return false;
        if (targets.count(ins[j].addr) || !relocatable(ins[j])) return false;
        total += ins[j].size;
        end += ins[j].size;
        ++j;
    }
    *s = {k, j - 1, k};
    return true;
}

// The syscall a site makes, when its window starts with its number load
// (`mov $NR, %eax` right before the syscall, which no branch enters:
// choose_window); -1 when the number is only known at run time.
long known_number(const planned_site& p) {
    if (p.syscall != 1) return -1;
    std::uint32_t nr = 0;
    if (number_load_before(p.window[1].addr, &nr) != p.window[0].size) return -1;
    return nr;
}

// A site whose known number the entry would only pass on (not in its
// bitmap; clone, vfork and clone3 would run raw in the trampoline anyway)
// stays as libc has it and costs nothing.
bool never_shunts(const planned_site& p) {
    const long nr = known_number(p);
    return nr >= 0 && !in_bitmap(nr);
}

// Two slots at the trampolines' start hold the entry's addresses: `entry`
// for a site whose number is known at run time only, `entry_fd` for one
// known to be in the bitmap (it skips the bitmap test and the clone checks).
void emit_trampoline(emitter& e, const planned_site& p, std::uintptr_t entry_slot, std::uintptr_t entry_fd_slot) {
    for (std::size_t i = 0; i < p.syscall; ++i) relocate(e, p.window[i]);
    const bool fd_call = in_bitmap(known_number(p));
    std::vector<std::size_t> to_raw;
    if (!fd_call) {
        for (std::uint32_t nr : {56u, 58u, 435u}) {  // clone, vfork, clone3
            e.u8(0x3d);                               // cmp $imm32, %eax
            e.bytes(&nr, 4);
            e.u8(0x0f);
            e.u8(0x84);                               // je rel32
            to_raw.push_back(e.mark());
            e.bytes("\0\0\0\0", 4);
        }
    }
    static const std::uint8_t below[] = {0x48, 0x8d, 0x64, 0x24, 0x80};  // lea -0x80(%rsp), %rsp
    e.bytes(below, sizeof below);
    e.u8(0xff);
    e.u8(0x15);                                   // call *slot(%rip)
    e.rel32_to(fd_call ? entry_fd_slot : entry_slot);
    static const std::uint8_t above[] = {0x48, 0x8d, 0xa4, 0x24, 0x80, 0x00, 0x00, 0x00};  // lea 0x80(%rsp), %rsp
    e.bytes(above, sizeof above);
    if (!fd_call) {
        e.u8(0xeb);
        e.u8(0x02);                               // jmp over the raw syscall
        const std::uintptr_t raw = e.here();
        for (std::size_t at : to_raw) e.patch_rel32(at, raw);
        e.u8(0x0f);
        e.u8(0x05);                               // raw: syscall
    }
    for (std::size_t i = p.syscall + 1; i < p.window.size(); ++i) relocate(e, p.window[i]);
    e.u8(0xe9);                                   // back to the code after the window
    e.rel32_to(p.start() + p.length());
}

// --- Finding the sites: the full scan ----------------------------------------

std::vector<planned_site> scan(const libc_image& img, const std::vector<std::uintptr_t>& starts,
                               const std::vector<std::uintptr_t>& hits) {
    std::vector<planned_site> plan;
    csh h;
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK) return plan;
    cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
    std::vector<insn> ins;
    std::unordered_set<std::uintptr_t> targets;
    std::uintptr_t done_until = 0;
    for (std::uintptr_t hit : hits) {
        if (hit < done_until) continue;  // its function was handled already
        auto it = std::upper_bound(starts.begin(), starts.end(), hit);
        if (it == starts.begin()) continue;
        const std::uintptr_t fn = *(it - 1);
        const std::uintptr_t fn_end = it == starts.end() ? img.text_end : std::min<std::uintptr_t>(*it, img.text_end);
        if (fn < img.text) continue;
        done_until = fn_end;
        ins.clear();
        targets.clear();
        disassemble(h, fn, fn_end, ins, targets);
        for (std::size_t k = 0; k < ins.size(); ++k) {
            if (ins[k].k != k_syscall) continue;
            site st{};
            if (!choose_window(ins, k, img.text, fn_end, targets, &st)) {
                ++g_report.skipped;
                continue;
            }
            planned_site p;
            p.window.assign(ins.begin() + static_cast<std::ptrdiff_t>(st.first),
                            ins.begin() + static_cast<std::ptrdiff_t>(st.last) + 1);
            p.syscall = st.syscall - st.first;
            plan.push_back(std::move(p));
        }
    }
    cs_close(&h);
    return plan;
}

// A plan from the cache is believed only for what decodes the same here:
// each window is disassembled again from its start, and every instruction
// must have the size, kind and branch target the cache says (relocate()
// turns kinds and targets into branches), the syscall must be `0f 05`, the
// others relocatable, and the window long enough for the jmp that replaces
// it. The cache is the user's own (a private directory, syscall_plan.hpp);
// this keeps a damaged or planted one from steering the trampolines.
bool plan_decodes_as_cached(const libc_image& img, const std::vector<planned_site>& plan) {
    csh h;
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK) return false;
    cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
    std::vector<insn> again;
    std::unordered_set<std::uintptr_t> targets;
    bool ok = true;
    for (const planned_site& p : plan) {
        const std::uintptr_t end = p.start() + p.length();
        if (p.start() < img.text || end > img.text_end || p.length() < 5 || p.syscall >= p.window.size()) {
            ok = false;
            break;
        }
        again.clear();
        disassemble(h, p.start(), end, again, targets);
        ok = again.size() == p.window.size();
        for (std::size_t i = 0; ok && i < again.size(); ++i) {
            const insn& a = again[i];
            const insn& c = p.window[i];
            const bool branch = a.k == k_jcc || a.k == k_jmp || a.k == k_call;
            ok = a.addr == c.addr && a.size == c.size && a.k == c.k && (!branch || a.target == c.target) &&
                 (i == p.syscall ? a.k == k_syscall && a.size == 2 && a.bytes[0] == 0x0f && a.bytes[1] == 0x05
                                 : relocatable(a));
        }
        if (!ok) break;
    }
    cs_close(&h);
    return ok;
}

constexpr std::size_t k_max_trampoline = 128;

// Memory for `bytes` of trampolines within rel32 reach of [lo, hi).
void* map_near(std::uintptr_t lo, std::uintptr_t hi, std::size_t bytes) {
    const std::uintptr_t step = 64u << 20;
    for (std::uintptr_t d = step; d < (1536u << 20); d += step) {
        for (std::uintptr_t hint : {lo > d ? (lo - d) & ~std::uintptr_t{0xfff} : 0, (hi + d) & ~std::uintptr_t{0xfff}}) {
            if (!hint) continue;
            void* p = mmap(reinterpret_cast<void*>(hint), bytes, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
            if (p == MAP_FAILED) continue;
            const auto a = reinterpret_cast<std::uintptr_t>(p);
            if (fits_rel32(a, lo) && fits_rel32(a + bytes, hi)) return p;
            munmap(p, bytes);
        }
    }
    return nullptr;
}

bool single_threaded() {
    DIR* d = opendir("/proc/self/task");
    if (!d) return false;
    int n = 0;
    while (dirent* e = readdir(d))
        if (e->d_name[0] != '.') ++n;
    closedir(d);
    return n == 1;
}

bool xsave_ready() {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE)) return false;
    if (!__get_cpuid_count(0xd, 0, &a, &b, &c, &d) || b < 576) return false;
    shunt_xsave_size = b + 64;  // room to align the area to 64 bytes
    return true;
}

}  // namespace

const report& last_report() noexcept { return g_report; }

static long phase_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

void install() noexcept {
    const long t0 = phase_ns();
    const char* env = secure_getenv("SHUNT_SYSCALL_HOOK");
    if (env && (!std::strcmp(env, "0") || !std::strcmp(env, "no") || !std::strcmp(env, "off"))) return;
    if (!xsave_ready()) {
        log_line(log_level::info, "syscall hook off: no XSAVE");
        return;
    }
    if (!single_threaded()) {
        log_line(log_level::warn, "syscall hook off: threads already run at load (libc's code cannot be patched under them)");
        return;
    }
    libc_image img;
    dl_iterate_phdr(find_libc, &img);
    if (!img.text) {
        log_line(log_level::info, "syscall hook off: libc's text not found");
        return;
    }
    std::vector<planned_site> plan;
    const std::string cache = plan_cache_path(img);
    bool cached = load_plan(cache, img, &plan, &g_report.skipped);
    if (cached && !plan_decodes_as_cached(img, plan)) {
        log_line(log_level::warn, "syscall hook: the plan cache %s does not match this libc's code; scanning again",
                 cache.c_str());
        cached = false;
        plan.clear();
        g_report.skipped = 0;
    }
    if (!cached) {
        const std::vector<std::uintptr_t> starts = function_starts(img.eh_frame_hdr);
        if (starts.empty()) {
            log_line(log_level::info, "syscall hook off: libc's function table (.eh_frame_hdr) not found");
            return;
        }
        // Syscall candidates: every 0f 05 in the text, by function.
        std::vector<std::uintptr_t> hits;
        const auto* t = reinterpret_cast<const std::uint8_t*>(img.text);
        const std::size_t n = img.text_end - img.text;
        for (std::size_t i = 0; i + 1 < n; ++i)
            if (t[i] == 0x0f && t[i + 1] == 0x05) hits.push_back(img.text + i);
        plan = scan(img, starts, hits);
        save_plan(cache, img, plan, g_report.skipped);
    }
    log_line(log_level::debug, "syscall hook: plan of %zu sites in %ld us (%s)", plan.size(),
             (phase_ns() - t0) / 1000, cached ? "from the cache" : "scanned");
    g_report.unneeded = static_cast<std::uint32_t>(std::erase_if(plan, never_shunts));
    if (plan.empty()) return;
    const std::size_t bytes = (16 + plan.size() * k_max_trampoline + 4095) & ~std::size_t{4095};
    void* mem = map_near(img.text, img.text_end, bytes);
    if (!mem) {
        log_line(log_level::warn, "syscall hook off: no memory within reach of libc for trampolines");
        return;
    }
    auto* base = static_cast<std::uint8_t*>(mem);
    const auto base_addr = reinterpret_cast<std::uintptr_t>(mem);
    const auto entry = reinterpret_cast<std::uintptr_t>(&shunt_syscall_entry);
    const auto entry_fd = reinterpret_cast<std::uintptr_t>(&shunt_syscall_entry_fd);
    std::memcpy(base, &entry, 8);
    std::memcpy(base + 8, &entry_fd, 8);
    std::size_t off = 16;
    struct patch {
        std::uintptr_t at;
        std::size_t len;
        std::uintptr_t tramp;
    };
    std::vector<patch> patches;
    for (const planned_site& p : plan) {
        emitter e(base + off, base_addr + off);
        emit_trampoline(e, p, base_addr, base_addr + 8);
        patches.push_back({p.start(), p.length(), base_addr + off});
        off += (e.size() + 15) & ~std::size_t{15};
    }
    if (mprotect(mem, bytes, PROT_READ | PROT_EXEC) != 0) {
        munmap(mem, bytes);
        return;
    }
    // libc's text is writable only while it is patched (all sites at once).
    const std::uintptr_t page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
    const std::uintptr_t first = patches.front().at & ~(page - 1);
    const std::uintptr_t last = (patches.back().at + patches.back().len + page - 1) & ~(page - 1);
    if (mprotect(reinterpret_cast<void*>(first), last - first, PROT_READ | PROT_WRITE | PROT_EXEC) != 0) {
        log_line(log_level::warn, "syscall hook off: libc's text cannot be made writable");
        munmap(mem, bytes);
        return;
    }
    for (const patch& p : patches) {
        auto* code = reinterpret_cast<std::uint8_t*>(p.at);
        std::uint8_t jmp[5] = {0xe9};
        const auto rel = static_cast<std::int32_t>(static_cast<std::int64_t>(p.tramp) - static_cast<std::int64_t>(p.at + 5));
        std::memcpy(jmp + 1, &rel, 4);
        std::memcpy(code, jmp, 5);
        std::memset(code + 5, 0xcc, p.len - 5);  // int3: nothing may land there
        ++g_report.patched;
    }
    mprotect(reinterpret_cast<void*>(first), last - first, PROT_READ | PROT_EXEC);
    __builtin___clear_cache(reinterpret_cast<char*>(img.text), reinterpret_cast<char*>(img.text_end));
    g_report.enabled = true;
    g_report.trampolines = base_addr;
    g_report.trampolines_end = base_addr + bytes;
    log_line(log_level::info,
             "syscall hook: %u libc syscall sites patched, %u left alone (unsafe), %u not needed (never shunt's)",
             g_report.patched, g_report.skipped, g_report.unneeded);
}

}  // namespace shunt::preload::syscall_hook
