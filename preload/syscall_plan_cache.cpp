// The syscall patcher's plan cache (preload/syscall_plan.hpp).
#include "preload/syscall_plan.hpp"

#include <dlfcn.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace shunt::preload::syscall_hook {
namespace {

constexpr std::uint64_t k_cache_magic = 0x314b4854554e4853ull;  // "SHUNTHK1"

struct cache_insn {
    std::uint32_t off;   // from the text's start
    std::uint8_t size, kind;
    std::uint8_t bytes[15];
    std::uint8_t pad;
    std::int64_t target;  // from the text's start (branches)
};
static_assert(sizeof(cache_insn) == 32);

// This libshunt.so file, as a key: a plan is only ever used by the build
// that made it (PACKAGE_VERSION is the same for every build of a version).
std::string library_key() {
    Dl_info info{};
    struct stat st{};
    if (!dladdr(reinterpret_cast<const void*>(&library_key), &info) || !info.dli_fname ||
        stat(info.dli_fname, &st) != 0)
        return {};
    return std::to_string(st.st_ino) + "-" + std::to_string(st.st_size) + "-" + std::to_string(st.st_mtim.tv_sec) +
           "." + std::to_string(st.st_mtim.tv_nsec);
}

}  // namespace

std::string plan_cache_path(const libc_image& img) {
    // A set-uid, set-gid or file-capability program (AT_SECURE, e.g. with
    // libshunt in /etc/ld.so.preload) uses no cache: the directory is the
    // invoking user's, who must not steer the patching of a program that
    // runs with more privilege than theirs.
    if (getauxval(AT_SECURE)) return {};
    struct stat st{};
    if (img.path.empty() || stat(img.path.c_str(), &st) != 0) return {};
    const std::string lib = library_key();
    if (lib.empty()) return {};
    const char* tmp = secure_getenv("TMPDIR");
    const std::string dir = std::string(tmp && *tmp == '/' ? tmp : "/tmp") + "/shunt-hook-" + std::to_string(getuid());
    if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return {};
    struct stat ds{};
    // Only a private directory of ours: nobody else may plant a plan.
    if (lstat(dir.c_str(), &ds) != 0 || !S_ISDIR(ds.st_mode) || ds.st_uid != getuid() || (ds.st_mode & 077)) return {};
    return dir + "/libc-" + std::to_string(st.st_ino) + "-" + std::to_string(st.st_size) + "-" +
           std::to_string(st.st_mtime) + "-" + PACKAGE_VERSION + "-" + lib + ".plan";
}

bool load_plan(const std::string& path, const libc_image& img, std::vector<planned_site>* plan,
               std::uint32_t* skipped_out) {
    if (path.empty()) return false;
    FILE* f = std::fopen(path.c_str(), "rbe");
    if (!f) return false;
    std::uint64_t head[3];
    bool ok = std::fread(head, sizeof head, 1, f) == 1 && head[0] == k_cache_magic && head[1] == img.text_end - img.text;
    const auto n_sites = static_cast<std::uint32_t>(head[2]);
    std::uint32_t skipped = static_cast<std::uint32_t>(head[2] >> 32);
    std::vector<planned_site> out;
    for (std::uint32_t i = 0; ok && i < n_sites; ++i) {
        std::uint8_t n = 0, sc = 0;
        ok = std::fread(&n, 1, 1, f) == 1 && std::fread(&sc, 1, 1, f) == 1 && n > 0 && n <= 8 && sc < n;
        planned_site p;
        p.syscall = sc;
        for (std::uint8_t k = 0; ok && k < n; ++k) {
            cache_insn c;
            ok = std::fread(&c, sizeof c, 1, f) == 1 && c.size > 0 && c.size <= sizeof c.bytes &&
                 c.off + c.size <= img.text_end - img.text && c.kind <= k_ret;
            if (!ok) break;
            insn in{};
            in.addr = img.text + c.off;
            in.size = c.size;
            in.k = static_cast<kind>(c.kind);
            in.target = static_cast<std::uintptr_t>(static_cast<std::int64_t>(img.text) + c.target);
            std::memcpy(in.bytes, c.bytes, c.size);
            // The running libc must hold exactly these bytes.
            ok = std::memcmp(reinterpret_cast<const void*>(in.addr), in.bytes, in.size) == 0 &&
                 (k == 0 || in.addr == p.window.back().addr + p.window.back().size);
            p.window.push_back(in);
        }
        if (ok) ok = p.window[sc].k == k_syscall;
        out.push_back(std::move(p));
    }
    std::fclose(f);
    if (!ok) return false;
    *skipped_out = skipped;
    *plan = std::move(out);
    return true;
}

void save_plan(const std::string& path, const libc_image& img, const std::vector<planned_site>& plan,
               std::uint32_t skipped) {
    if (path.empty()) return;
    std::string tmp = path + ".XXXXXX";
    const int fd = mkstemp(tmp.data());
    if (fd < 0) return;
    FILE* f = fdopen(fd, "wb");
    if (!f) {
        ::close(fd);
        unlink(tmp.c_str());
        return;
    }
    const std::uint64_t head[3] = {k_cache_magic, img.text_end - img.text,
                                   plan.size() | (std::uint64_t{skipped} << 32)};
    bool ok = std::fwrite(head, sizeof head, 1, f) == 1;
    for (const planned_site& p : plan) {
        const std::uint8_t n = static_cast<std::uint8_t>(p.window.size()), sc = static_cast<std::uint8_t>(p.syscall);
        ok = ok && std::fwrite(&n, 1, 1, f) == 1 && std::fwrite(&sc, 1, 1, f) == 1;
        for (const insn& in : p.window) {
            cache_insn c{};
            c.off = static_cast<std::uint32_t>(in.addr - img.text);
            c.size = in.size;
            c.kind = static_cast<std::uint8_t>(in.k);
            std::memcpy(c.bytes, in.bytes, std::min<std::size_t>(in.size, sizeof c.bytes));
            c.target = static_cast<std::int64_t>(in.target) - static_cast<std::int64_t>(img.text);
            ok = ok && std::fwrite(&c, sizeof c, 1, f) == 1;
        }
    }
    ok = std::fclose(f) == 0 && ok;
    if (!ok || rename(tmp.c_str(), path.c_str()) != 0) unlink(tmp.c_str());
}

}  // namespace shunt::preload::syscall_hook
