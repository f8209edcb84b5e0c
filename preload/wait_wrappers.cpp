// The poll family and epoll. Every wait that enters the kernel first clears
// the readabilities this process left for shuntd's worker to clear and the
// worker has not cleared yet (preload/deferred_clear.hpp), so the kernel
// never reports a readiness that is not there (it sees each accelerated
// socket's notify fd, DESIGN.md "Readiness is visible to the kernel").
// epoll_wait (and epoll_pwait/epoll_pwait2 without a signal mask) first
// tries the user-space fast path (preload/epoll_fast.hpp), which follows the
// sets this process creates (epoll_create, epoll_ctl); poll and select (and
// their p-forms without a signal mask) try theirs (preload/poll_fast.hpp).
// Kernel-only programs pay a relaxed load or two per call.
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/select.h>

#include "preload/deferred_clear.hpp"
#include "preload/epoll_fast.hpp"
#include "preload/poll_fast.hpp"
#include "preload/real.hpp"

#define SHUNT_EXPORT extern "C" __attribute__((visibility("default")))

using namespace shunt::preload;

// A signal mask makes a wait the kernel's (a signal it unblocks must be
// delivered in the call even when fds are ready), and so does a fortified
// call whose array is shorter than it says (__chk_fail is the kernel side's).
SHUNT_EXPORT int poll(pollfd* fds, nfds_t n, int timeout) {
    if (const int r = poll_fast::poll(fds, n); r > 0) return r;
    deferred_clear::flush();
    return real::poll(fds, n, timeout);
}

SHUNT_EXPORT int __poll_chk(pollfd* fds, nfds_t n, int timeout, size_t fdslen) {
    if (fdslen / sizeof *fds >= n)
        if (const int r = poll_fast::poll(fds, n); r > 0) return r;
    deferred_clear::flush();
    return real::__poll_chk(fds, n, timeout, fdslen);
}

SHUNT_EXPORT int ppoll(pollfd* fds, nfds_t n, const timespec* timeout, const sigset_t* mask) {
    if (!mask)
        if (const int r = poll_fast::poll(fds, n); r > 0) return r;
    deferred_clear::flush();
    return real::ppoll(fds, n, timeout, mask);
}

SHUNT_EXPORT int __ppoll_chk(pollfd* fds, nfds_t n, const timespec* timeout, const sigset_t* mask, size_t fdslen) {
    if (!mask && fdslen / sizeof *fds >= n)
        if (const int r = poll_fast::poll(fds, n); r > 0) return r;
    deferred_clear::flush();
    return real::__ppoll_chk(fds, n, timeout, mask, fdslen);
}

SHUNT_EXPORT int select(int n, fd_set* r, fd_set* w, fd_set* e, timeval* timeout) {
    if (const int k = poll_fast::select(n, r, w, e); k > 0) return k;
    deferred_clear::flush();
    return real::select(n, r, w, e, timeout);
}

SHUNT_EXPORT int pselect(int n, fd_set* r, fd_set* w, fd_set* e, const timespec* timeout, const sigset_t* mask) {
    if (!mask)
        if (const int k = poll_fast::select(n, r, w, e); k > 0) return k;
    deferred_clear::flush();
    return real::pselect(n, r, w, e, timeout, mask);
}

SHUNT_EXPORT int epoll_create(int size) {
    const int r = real::epoll_create(size);
    if (r >= 0) epoll_fast::created(r);
    return r;
}

SHUNT_EXPORT int epoll_create1(int flags) {
    const int r = real::epoll_create1(flags);
    if (r >= 0) epoll_fast::created(r);
    return r;
}

SHUNT_EXPORT int epoll_ctl(int ep, int op, int fd, epoll_event* ev) {
    const int r = real::epoll_ctl(ep, op, fd, ev);
    if (r == 0) epoll_fast::controlled(ep, op, fd, ev);
    return r;
}

SHUNT_EXPORT int epoll_wait(int ep, epoll_event* ev, int max, int timeout) {
    return epoll_fast::wait(ep, ev, max, timeout != 0, [&] {
        deferred_clear::flush();
        return real::epoll_wait(ep, ev, max, timeout);
    });
}

// A signal mask makes the wait the kernel's: a signal it unblocks must be
// delivered in the call even when events are ready.
SHUNT_EXPORT int epoll_pwait(int ep, epoll_event* ev, int max, int timeout, const sigset_t* mask) {
    auto kernel = [&] {
        deferred_clear::flush();
        return real::epoll_pwait(ep, ev, max, timeout, mask);
    };
    return mask ? kernel() : epoll_fast::wait(ep, ev, max, timeout != 0, kernel);
}

SHUNT_EXPORT int epoll_pwait2(int ep, epoll_event* ev, int max, const timespec* timeout, const sigset_t* mask) {
    auto kernel = [&] {
        deferred_clear::flush();
        return real::epoll_pwait2(ep, ev, max, timeout, mask);
    };
    const bool would_sleep = !timeout || timeout->tv_sec != 0 || timeout->tv_nsec != 0;
    return mask ? kernel() : epoll_fast::wait(ep, ev, max, would_sleep, kernel);
}
