// The wrappers of fd lifetimes: close, closefrom, close_range, dup, dup2,
// dup3 and fcntl's F_DUPFD/F_SETFL. An accelerated socket counts the fds
// naming it; shunt's own fds (the control socket and the segment's memfd)
// survive an app that closes or dup2s over fds it never opened.
#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <vector>

#include "preload/channel.hpp"
#include "preload/epoll_fast.hpp"
#include "preload/fd_table.hpp"
#include "preload/real.hpp"
#include "preload/socket_ops.hpp"
#include "shm/sys.hpp"

#define SHUNT_EXPORT extern "C" __attribute__((visibility("default")))

namespace shunt::preload {
namespace {

result<int> dup_into(int newfd, accel_socket* s) {
    s->fd_refs.fetch_add(1, std::memory_order_relaxed);
    fd_table::set(newfd, s);
    return newfd;
}

// After dup2/dup3 replaced newfd: what it named before is one fd fewer.
void replaced(int newfd) {
    if (accel_socket* prev = fd_table::take(newfd)) op_release(prev);
}

// Receives on an accelerated socket of either kind. A stream socket reports
// no source address and no flags (as Linux's TCP); `from`, `fromlen` and
// `msg_flags` may be null.

// close_range(2) over [first, last] that leaves shunt's own fds open (the
// range is closed around them) and releases the accelerated sockets it
// closes. Returns 0 or -errno.
long close_range_keeping_own(unsigned first, unsigned last, int flags) {
    if (first > last || (flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC))) return -EINVAL;
    if (flags & CLOSE_RANGE_UNSHARE) {
        if (const long r = shm::sys::raw(SYS_unshare, CLONE_FILES); r < 0) return r;
        flags &= ~CLOSE_RANGE_UNSHARE;
    }
    // Marking close-on-exec leaves every fd open (shunt's are close-on-exec already).
    if (flags & CLOSE_RANGE_CLOEXEC) return shm::sys::raw(SYS_close_range, first, last, flags);
    std::vector<unsigned> own;
    channel::for_each_own_fd([&](int fd) {
        if (static_cast<unsigned>(fd) >= first && static_cast<unsigned>(fd) <= last) own.push_back(static_cast<unsigned>(fd));
    });
    std::sort(own.begin(), own.end());
    std::vector<accel_socket*> closed;
    fd_table::for_each([&](int fd, accel_socket*) {
        if (static_cast<unsigned>(fd) >= first && static_cast<unsigned>(fd) <= last)
            if (accel_socket* s = fd_table::take(fd)) closed.push_back(s);
    });
    long r = 0;
    unsigned from = first;
    for (unsigned fd : own) {
        if (fd > from) r = shm::sys::raw(SYS_close_range, from, fd - 1, 0);
        from = fd + 1;
        if (r < 0) break;
    }
    if (r == 0 && from <= last) r = shm::sys::raw(SYS_close_range, from, last, 0);
    for (accel_socket* s : closed) op_release(s);
    epoll_fast::fds_closed(first, last);
    return r;
}

}  // namespace
}  // namespace shunt::preload

using namespace shunt;
using namespace shunt::preload;

SHUNT_EXPORT int close(int fd) {
    accel_socket* s = fd_table::take(fd);
    if (!s) {
        // One of shunt's own fds: it moves away, and the app sees the
        // number it never opened as the kernel would show it (EBADF).
        if (channel::move_own_fd(fd)) {
            errno = EBADF;
            return -1;
        }
        epoll_fast::fd_closed(fd);
        return real::close(fd);
    }
    const long r = shm::sys::close(fd);
    op_release(s);
    if (r < 0 && r != -EINTR) {
        errno = static_cast<int>(-r);
        return -1;
    }
    return 0;
}

SHUNT_EXPORT int close_range(unsigned int first, unsigned int last, int flags) {
    const long r = close_range_keeping_own(first, last, flags);
    if (r < 0) {
        errno = static_cast<int>(-r);
        return -1;
    }
    return 0;
}

// glibc's closefrom closes with close_range internally (no wrapper would see it).
SHUNT_EXPORT void closefrom(int lowfd) {
    const int saved = errno;
    (void)close_range_keeping_own(lowfd < 0 ? 0u : static_cast<unsigned>(lowfd), ~0u, 0);
    errno = saved;
}

namespace {

// Calls on an accelerated fd go to the kernel by raw syscall: through libc
// they would meet the syscall hook, which hands them back to these wrappers.
int raw_result(long r) {
    if (r < 0) {
        errno = static_cast<int>(-r);
        return -1;
    }
    return static_cast<int>(r);
}

int fcntl_common(decltype(real::fcntl) fn, int fd, int cmd, void* arg) {
    const int r = fd_table::get(fd) ? raw_result(shm::sys::raw(SYS_fcntl, fd, cmd, reinterpret_cast<long>(arg)))
                                    : fn(fd, cmd, arg);
    if (r < 0) return r;
    accel_socket* s = fd_table::get(fd);
    if (!s) {
        if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) epoll_fast::fd_duplicated(fd);
        return r;
    }
    if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) {
        epoll_fast::fd_duplicated(fd);
        (void)dup_into(r, s);
    } else if (cmd == F_SETFL) {
        s->nonblocking.store((reinterpret_cast<long>(arg) & O_NONBLOCK) != 0, std::memory_order_relaxed);
    }
    return r;
}

}  // namespace

SHUNT_EXPORT int fcntl(int fd, int cmd, ...) {
    va_list ap;
    va_start(ap, cmd);
    void* arg = va_arg(ap, void*);
    va_end(ap);
    return fcntl_common(real::fcntl, fd, cmd, arg);
}

SHUNT_EXPORT int fcntl64(int fd, int cmd, ...) {
    va_list ap;
    va_start(ap, cmd);
    void* arg = va_arg(ap, void*);
    va_end(ap);
    return fcntl_common(real::fcntl64, fd, cmd, arg);
}

SHUNT_EXPORT int dup(int fd) {
    const int r = fd_table::get(fd) ? raw_result(shm::sys::raw(SYS_dup, fd)) : real::dup(fd);
    if (r >= 0) epoll_fast::fd_duplicated(fd);
    if (r >= 0)
        if (accel_socket* s = fd_table::get(fd)) (void)dup_into(r, s);
    return r;
}

SHUNT_EXPORT int dup2(int oldfd, int newfd) {
    if (oldfd != newfd) channel::move_own_fd(newfd);  // the app takes that number
    const int r = fd_table::get(oldfd) || fd_table::get(newfd) ? raw_result(shm::sys::raw(SYS_dup2, oldfd, newfd))
                                                               : real::dup2(oldfd, newfd);
    if (r < 0 || oldfd == newfd) return r;
    epoll_fast::fd_duplicated(oldfd);
    epoll_fast::fd_closed(newfd);
    replaced(newfd);
    if (accel_socket* s = fd_table::get(oldfd)) (void)dup_into(newfd, s);
    return r;
}

SHUNT_EXPORT int dup3(int oldfd, int newfd, int flags) {
    if (oldfd != newfd) channel::move_own_fd(newfd);
    const int r = fd_table::get(oldfd) || fd_table::get(newfd)
                      ? raw_result(shm::sys::raw(SYS_dup3, oldfd, newfd, flags))
                      : real::dup3(oldfd, newfd, flags);
    if (r < 0) return r;
    epoll_fast::fd_duplicated(oldfd);
    epoll_fast::fd_closed(newfd);
    replaced(newfd);
    if (accel_socket* s = fd_table::get(oldfd)) (void)dup_into(newfd, s);
    return r;
}
