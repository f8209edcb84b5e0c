// The user-space fast path of epoll (SHUNT_EPOLL=fast, the default; DESIGN.md
// "The bypass bypasses"): epoll_wait answers from shared memory, with no
// system call, when accelerated sockets of the set are ready.
//
// On top of the kernel path, never instead: every epoll_ctl goes to the
// kernel first (the kernel's set stays complete and exact), and this process
// keeps, beside it, the registrations of accelerated sockets in the sets it
// created itself. A wait then
//   1. 1 ms after the last look (and every 64th call when the set holds
//      kernel fds): asks the kernel without waiting (after deferred_clear::
//      flush, so its answer is exact) and returns its answer if it has one,
//      so kernel fds are never starved by busy accelerated ones, and what
//      shared memory cannot show (shuntd gone) still shows;
//   2. reads the readiness of the set's accelerated sockets from their shared
//      state (bytes in the receive ring, connections to accept, room to
//      send), level-triggered as the kernel reports the notify fd, starting
//      after the socket it reported last (so none starves), and returns what
//      is ready;
//   3. when nothing is, looks again for SHUNT_SPIN_US (default 0) if the
//      caller would sleep, then waits in the kernel (after the flush), as
//      before; that wait counts as the kernel's look of step 1.
// Where it cannot be exact the set uses the kernel path: a registration
// with EPOLLET, EPOLLONESHOT, EPOLLEXCLUSIVE or EPOLLWAKEUP; a set this
// process did not create (inherited across exec, received over a socket);
// a set another fd or process may change unseen (its fd was dup'ed, or the
// process forked); a socket not in a plain state (connecting, at EOF,
// reset, shut down), for that call; a wait with a signal mask.
#pragma once

#include <signal.h>
#include <sys/epoll.h>
#include <time.h>

namespace shunt::preload::epoll_fast {

// The wrappers' halves (preload/wait_wrappers.cpp). Each is called after
// the kernel call succeeded (create, ctl) or instead of it (wait).
void created(int epfd) noexcept;
void controlled(int epfd, int op, int fd, const epoll_event* ev) noexcept;
// A wait: the fast path where it applies, else the kernel's `slow` (which
// the caller passes already bound to its arguments).
// `may_spin`: the caller would sleep (timeout not 0), so SHUNT_SPIN_US
// applies: the sockets are looked at again for that long first.
template <typename Slow>
int wait(int epfd, epoll_event* events, int max, bool may_spin, Slow&& slow);

// fd lifetimes (preload/fd_wrappers.cpp, process_wrappers.cpp).
void fd_closed(int fd) noexcept;        // close, dup2/dup3 over fd
void fds_closed(unsigned first, unsigned last) noexcept;  // close_range, closefrom
void fd_duplicated(int fd) noexcept;    // fd gained another number (dup, F_DUPFD)
void process_forked() noexcept;         // fork or spawn, in the parent and the child
void socket_gone(const void* s) noexcept;  // an accelerated socket's last fd closed

namespace detail {
bool any_sets() noexcept;
// The events ready (> 0), or -1: wait on the kernel path.
int fast(int epfd, epoll_event* events, int max, bool may_spin) noexcept;
// After a wait on the kernel path: it looked at the kernel's fds.
void kernel_waited(int epfd) noexcept;
}  // namespace detail

template <typename Slow>
int wait(int epfd, epoll_event* events, int max, bool may_spin, Slow&& slow) {
    if (!detail::any_sets()) return slow();
    const int n = detail::fast(epfd, events, max, may_spin);
    if (n >= 0) return n;
    const int r = slow();
    detail::kernel_waited(epfd);
    return r;
}

}  // namespace shunt::preload::epoll_fast
