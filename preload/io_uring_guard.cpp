#include "preload/io_uring_guard.hpp"

#include <link.h>
#include <sys/syscall.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>

#include "preload/fd_table.hpp"
#include "preload/fork_holders.hpp"
#include "preload/log.hpp"
#include "preload/policy.hpp"
#include "shm/sys.hpp"

namespace shunt::preload::io_uring_guard {
namespace {

// Written by init() alone, in the constructor, before any other thread.
io_uring_mode g_mode = io_uring_mode::kernel;
// The process is an io_uring user: set once, never cleared (a ring's fd may
// be anywhere, passed or dup'ed, until the process execs). Stored under the
// whole fork lock and read under a shared hold of it, which orders them;
// release/acquire for readers outside it (the wrappers' early look).
std::atomic<bool> g_user{false};
std::atomic<bool> g_refusal_told{false};
std::atomic<bool> g_mark_told{false};

int find_liburing(dl_phdr_info* info, size_t, void* out) {
    if (!is_liburing(info->dlpi_name)) return 0;
    *static_cast<const char**>(out) = info->dlpi_name;
    return 1;
}

// Any fd of the process names an accelerated socket (its own, inherited
// across fork or handed over across exec, or one on both stacks).
bool accelerated_open() {
    const int n = fd_table::capacity();
    for (int fd = 0; fd < n; ++fd)
        if (fd_table::get(fd)) return true;
    return false;
}

}  // namespace

void init() noexcept {
    if (!parse_io_uring_mode(secure_getenv("SHUNT_IO_URING"), &g_mode)) {
        g_mode = io_uring_mode::kernel;
        log_line(log_level::warn, "SHUNT_IO_URING must be kernel or files; using kernel");
    }
    const char* lib = nullptr;
    dl_iterate_phdr(find_liburing, &lib);
    if (!lib) return;
    if (g_mode == io_uring_mode::files) {
        log_line(log_level::info, "%s is loaded; SHUNT_IO_URING=files: sockets are accelerated as usual", lib);
        return;
    }
    g_user.store(true, std::memory_order_release);
    log_line(log_level::info,
             "%s is loaded: every socket of this process stays on the kernel, where io_uring reaches it "
             "(SHUNT_IO_URING=files accelerates them if no ring ever touches a socket)",
             lib);
}

bool kernel_only() noexcept {
    // acquire: pairs with the release store of a mark.
    return g_user.load(std::memory_order_acquire);
}

long setup(long entries, long params) noexcept {
    ring_verdict v = ring_verdict::allow;
    if (g_mode == io_uring_mode::kernel) {
        // No socket is being made while the fd table is read, unless the
        // lock could not be had (a socket being made by the thread this
        // call interrupted, from a signal handler): then one may be.
        fork_holders::forking whole;
        v = io_uring_setup_verdict(g_mode, g_user.load(std::memory_order_relaxed),
                                   !whole.held() || accelerated_open());
        if (v == ring_verdict::allow_and_mark) g_user.store(true, std::memory_order_release);
    }
    if (v == ring_verdict::refuse) {
        if (!g_refusal_told.exchange(true, std::memory_order_relaxed))
            log_line(log_level::warn,
                     "io_uring_setup refused (EPERM): this process has accelerated sockets, which a ring would "
                     "reach as shunt's notify sockets, not as sockets (SHUNT_IO_URING=files allows rings that "
                     "never touch a socket)");
        return -EPERM;
    }
    if (v == ring_verdict::allow_and_mark && !g_mark_told.exchange(true, std::memory_order_relaxed))
        log_line(log_level::info, "io_uring_setup: this process uses io_uring; its sockets stay on the kernel from now on");
    return shm::sys::raw(SYS_io_uring_setup, entries, params);
}

}  // namespace shunt::preload::io_uring_guard
