#include "preload/sud.hpp"

#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

#include "preload/log.hpp"
#include "preload/syscall_hook.hpp"
#include "shm/sys.hpp"

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#endif
#ifndef PR_SYS_DISPATCH_ON
#define PR_SYS_DISPATCH_ON 1
#endif
#ifndef SYS_USER_DISPATCH
#define SYS_USER_DISPATCH 2  // si_code of a dispatched syscall
#endif

#define SHUNT_EXPORT extern "C" __attribute__((visibility("default")))

extern "C" long shunt_syscall_dispatch(long nr, const long* a);  // preload/syscall_dispatch.cpp

namespace shunt::preload::sud {
namespace {

std::atomic<bool> g_on{false};
std::uintptr_t g_lo = 0, g_len = 0;  // the range that runs without a trap

using shm::sys::raw;

bool arm_this_thread() {
    // NULL selector: every syscall outside [g_lo, g_lo + g_len) traps.
    return raw(SYS_prctl, PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON, static_cast<long>(g_lo),
               static_cast<long>(g_len), 0) == 0;
}

struct span {
    std::uintptr_t lo = UINTPTR_MAX, hi = 0;
    void add(std::uintptr_t a, std::uintptr_t b) {
        lo = std::min(lo, a);
        hi = std::max(hi, b);
    }
};

struct layout {
    span allowed;  // libc, libshunt, the loader, the vDSO
    span program;  // the executable's own code
    std::uintptr_t shunt_base = 0;
};

int visit(dl_phdr_info* info, size_t, void* arg) {
    auto* l = static_cast<layout*>(arg);
    const char* name = info->dlpi_name ? info->dlpi_name : "";
    const bool program = name[0] == '\0';  // the first entry: the executable
    const bool wanted = std::strstr(name, "/libc.so.6") || std::strstr(name, "ld-linux") ||
                        std::strstr(name, "linux-vdso") || info->dlpi_addr == l->shunt_base;
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        const ElfW(Phdr)& ph = info->dlpi_phdr[i];
        if (ph.p_type != PT_LOAD || !(ph.p_flags & PF_X)) continue;
        const std::uintptr_t a = info->dlpi_addr + ph.p_vaddr;
        if (program) l->program.add(a, a + ph.p_memsz);
        else if (wanted) l->allowed.add(a, a + ph.p_memsz);
    }
    return 0;
}

// Runs a trapped syscall as the patched libc sites run theirs. Async-signal
// context: only shunt's wrappers (already written for signal handlers: their
// locks refuse re-entry) and raw syscalls.
void on_sigsys(int sig, siginfo_t* si, void* ctx) {
    const int saved = errno;
    if (si->si_code != SYS_USER_DISPATCH) {
        // Not ours (a seccomp filter of the app's): what would have happened
        // without shunt, the default action, once this handler returns.
        struct sigaction dfl {};
        dfl.sa_handler = SIG_DFL;
        sigaction(sig, &dfl, nullptr);
        raw(SYS_tgkill, raw(SYS_getpid), raw(SYS_gettid), sig);
        errno = saved;
        return;
    }
    auto* uc = static_cast<ucontext_t*>(ctx);
    greg_t* g = uc->uc_mcontext.gregs;
    const long nr = si->si_syscall;
    const long a[6] = {g[REG_RDI], g[REG_RSI], g[REG_RDX], g[REG_R10], g[REG_R8], g[REG_R9]};
    long r;
    switch (nr) {
        case SYS_clone:
            // A new stack or shared memory cannot be set up from inside a
            // signal handler (the child would return into this frame).
            if (a[1] != 0 || (a[0] & CLONE_VM)) {
                r = -ENOSYS;
                break;
            }
            r = fork_counted_raw(nr, a);
            break;
        case SYS_fork: r = fork_counted_raw(nr, a); break;
        case SYS_vfork:
        case SYS_clone3:
        case SYS_rt_sigreturn:  // only a restorer of the program's own: cannot be run from here
            r = -ENOSYS;
            break;
        default: r = shunt_syscall_dispatch(nr, a); break;
    }
    g[REG_RAX] = r;
    errno = saved;
}

struct thread_start {
    void* (*fn)(void*);
    void* arg;
};

void* armed_start(void* p) {
    const thread_start s = *static_cast<thread_start*>(p);
    delete static_cast<thread_start*>(p);
    arm_this_thread();
    return s.fn(s.arg);
}

}  // namespace

bool on() noexcept { return g_on.load(std::memory_order_relaxed); }

void after_fork_child() noexcept {
    if (on()) arm_this_thread();
}

void install() noexcept {
    const char* env = secure_getenv("SHUNT_SUD");
    if (!env || std::strcmp(env, "1") != 0) return;
    layout l;
    Dl_info self{};
    if (dladdr(reinterpret_cast<void*>(&install), &self) && self.dli_fbase)
        l.shunt_base = reinterpret_cast<std::uintptr_t>(self.dli_fbase);
    dl_iterate_phdr(visit, &l);
    const auto& hook = syscall_hook::last_report();
    if (hook.trampolines_end) l.allowed.add(hook.trampolines, hook.trampolines_end);
    if (l.allowed.lo >= l.allowed.hi || !l.shunt_base) {
        log_line(log_level::warn, "SHUNT_SUD: the libraries' code was not found; syscall user dispatch stays off");
        return;
    }
    if (l.program.hi > l.allowed.lo && l.program.lo < l.allowed.hi) {
        log_line(log_level::warn,
                 "SHUNT_SUD: the program's code lies among the libraries' (loaded by ld.so explicitly?); "
                 "syscall user dispatch stays off");
        return;
    }
    struct sigaction sa {};
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO;  // SIGSYS itself is blocked while it runs; other signals are not
    if (sigaction(SIGSYS, &sa, nullptr) != 0) return;
    g_lo = l.allowed.lo;
    g_len = l.allowed.hi - l.allowed.lo;
    if (!arm_this_thread()) {
        log_line(log_level::warn, "SHUNT_SUD: the kernel refused syscall user dispatch (Linux 5.11+ needed); off");
        struct sigaction dfl {};
        dfl.sa_handler = SIG_DFL;
        sigaction(SIGSYS, &dfl, nullptr);
        return;
    }
    g_on.store(true, std::memory_order_relaxed);
    log_line(log_level::info, "SHUNT_SUD: syscall user dispatch armed: syscalls outside %#lx-%#lx trap", static_cast<unsigned long>(g_lo),
             static_cast<unsigned long>(g_lo + g_len));
}

}  // namespace shunt::preload::sud

using shunt::preload::sud::thread_start;

// Every new thread arms itself before the program's start routine runs.
SHUNT_EXPORT int pthread_create(pthread_t* t, const pthread_attr_t* attr, void* (*fn)(void*), void* arg) {
    static const auto real_create =
        reinterpret_cast<int (*)(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*)>(
            dlsym(RTLD_NEXT, "pthread_create"));
    if (!real_create) return EAGAIN;
    if (!shunt::preload::sud::on()) return real_create(t, attr, fn, arg);
    auto* s = new (std::nothrow) thread_start{fn, arg};
    if (!s) return EAGAIN;
    const int r = real_create(t, attr, shunt::preload::sud::armed_start, s);
    if (r != 0) delete s;
    return r;
}
