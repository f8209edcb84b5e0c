#include "preload/sandbox.hpp"

#include <fcntl.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <sched.h>

#include <atomic>
#include <cstring>

#include "preload/app_lock.hpp"
#include "preload/log.hpp"
#include "shm/futex.hpp"
#include "shm/sys.hpp"

namespace shunt::preload::sandbox {
namespace {

std::atomic<bool> g_active{false};

void mark(const char* how) {
    app_lock::avoid_system_calls();
    if (!g_active.exchange(true, std::memory_order_relaxed))
        log_line(log_level::info, "%s: shunt keeps to read, write and poll on this process's notify sockets", how);
}

// "Seccomp:\t2" in /proc/self/status: the mode this process runs under.
int inherited_mode() {
    const long fd = shm::sys::raw(SYS_openat, AT_FDCWD, reinterpret_cast<long>("/proc/self/status"), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    char buf[4096];
    long n = shm::sys::raw(SYS_read, fd, reinterpret_cast<long>(buf), sizeof buf - 1);
    shm::sys::close(static_cast<int>(fd));
    if (n <= 0) return 0;
    buf[n] = 0;
    const char* p = std::strstr(buf, "\nSeccomp:");
    if (!p) return 0;
    p += std::strlen("\nSeccomp:");
    while (*p == ' ' || *p == '\t') ++p;
    return *p >= '0' && *p <= '9' ? *p - '0' : 0;
}

}  // namespace

void init() noexcept {
    if (inherited_mode() != 0) mark("the process runs under a seccomp filter");
}

bool active() noexcept { return g_active.load(std::memory_order_relaxed); }

long prctl_call(long option, long arg2, long arg3, long arg4, long arg5) noexcept {
    if (option == PR_SET_SECCOMP) mark("prctl(PR_SET_SECCOMP)");
    return shm::sys::raw(SYS_prctl, option, arg2, arg3, arg4, arg5);
}

long seccomp_call(long op, long flags, long args) noexcept {
    if (op == SECCOMP_SET_MODE_STRICT || op == SECCOMP_SET_MODE_FILTER) mark("seccomp(2)");
    return shm::sys::raw(SYS_seccomp, op, flags, args);
}

void yield_cpu() noexcept {
    if (!active()) {
        sched_yield();
        return;
    }
    static std::atomic<std::uint32_t> nobody_wakes{0};
    const timespec t{0, 20'000};
    (void)shm::futex_wait(&nobody_wakes, 0, &t);
}

}  // namespace shunt::preload::sandbox
