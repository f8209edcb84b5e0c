// The poll family and epoll's waits: libshunt answers none of them itself
// (the kernel sees each accelerated socket's notify fd, DESIGN.md
// "Readiness is visible to the kernel"); it only first clears the
// readabilities this process left for shuntd's worker to clear and the
// worker has not cleared yet (preload/deferred_clear.hpp), so the kernel
// never reports a readiness that is not there. Kernel-only programs pay one
// relaxed load per wait.
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/select.h>

#include "preload/deferred_clear.hpp"
#include "preload/real.hpp"

#define SHUNT_EXPORT extern "C" __attribute__((visibility("default")))

using namespace shunt::preload;

SHUNT_EXPORT int poll(pollfd* fds, nfds_t n, int timeout) {
    deferred_clear::flush();
    return real::poll(fds, n, timeout);
}

SHUNT_EXPORT int __poll_chk(pollfd* fds, nfds_t n, int timeout, size_t fdslen) {
    deferred_clear::flush();
    return real::__poll_chk(fds, n, timeout, fdslen);
}

SHUNT_EXPORT int ppoll(pollfd* fds, nfds_t n, const timespec* timeout, const sigset_t* mask) {
    deferred_clear::flush();
    return real::ppoll(fds, n, timeout, mask);
}

SHUNT_EXPORT int __ppoll_chk(pollfd* fds, nfds_t n, const timespec* timeout, const sigset_t* mask, size_t fdslen) {
    deferred_clear::flush();
    return real::__ppoll_chk(fds, n, timeout, mask, fdslen);
}

SHUNT_EXPORT int select(int n, fd_set* r, fd_set* w, fd_set* e, timeval* timeout) {
    deferred_clear::flush();
    return real::select(n, r, w, e, timeout);
}

SHUNT_EXPORT int pselect(int n, fd_set* r, fd_set* w, fd_set* e, const timespec* timeout, const sigset_t* mask) {
    deferred_clear::flush();
    return real::pselect(n, r, w, e, timeout, mask);
}

SHUNT_EXPORT int epoll_wait(int ep, epoll_event* ev, int max, int timeout) {
    deferred_clear::flush();
    return real::epoll_wait(ep, ev, max, timeout);
}

SHUNT_EXPORT int epoll_pwait(int ep, epoll_event* ev, int max, int timeout, const sigset_t* mask) {
    deferred_clear::flush();
    return real::epoll_pwait(ep, ev, max, timeout, mask);
}

SHUNT_EXPORT int epoll_pwait2(int ep, epoll_event* ev, int max, const timespec* timeout, const sigset_t* mask) {
    deferred_clear::flush();
    return real::epoll_pwait2(ep, ev, max, timeout, mask);
}
