// Readability left for shuntd's worker to clear (SHUNT_EPOLL=fast, the
// default; docs/libshunt.md).
//
// An accelerated socket's fd is readable while its notify socket holds a
// byte shuntd sent (shm/notify.hpp). When a read takes the last bytes, the
// fd must stop being readable, which takes a system call on the notify
// socket: one per request for a server that reads each request whole.
// Instead, the read rings the clear_rx doorbell and shuntd's worker, which
// holds the app's end of the pair too, drains it (rx_flag::
// daemon_claim_clear). Until it has, the fd may still look readable to the
// kernel. That is invisible to this process: every wait it makes through
// libshunt (poll, ppoll, select, pselect, epoll_wait, epoll_pwait,
// epoll_pwait2, and the blocking waits of its own socket calls) first clears
// what this process left (flush), so a wait never returns a readability
// that is not there. Another process could see it, so a read defers only
// for a socket no other process holds (app_refs == 1). The doorbell never
// wakes a sleeping worker (that would cost a system call too): the clear is
// then this process's own, at its next wait, at most one per socket.
//
// SHUNT_EPOLL=kernel keeps the exact path of before: the read clears at once.
//
// Every function is async-signal-safe (a wait wrapper may run in a handler
// that interrupted a read): the pending set is lock-free.
#pragma once

#include "preload/accel_socket.hpp"

namespace shunt::preload::deferred_clear {

// SHUNT_EPOLL: true for fast (the default), false for kernel; read once.
bool enabled() noexcept;

// A read just took the last bytes of s (the fd `fd`) while it was readable.
// true: the clear is left to the worker (the caller does nothing more);
// false: the caller clears at once, as on the exact path.
bool defer(int fd, accel_socket& s) noexcept;

// Whether s has a clear left to the worker that no wait has settled yet: a
// non-blocking read that finds the ring empty then returns EAGAIN without
// clearing (defer again: the worker is asked once more).
inline bool outstanding(const accel_socket& s) noexcept {
    return s.clear_deferred.load(std::memory_order_relaxed);
}

namespace detail {
extern std::atomic<int> pending_count;
void flush_slow() noexcept;
}  // namespace detail

// Before this process waits in the kernel: every readability it left for the
// worker and the worker has not cleared yet is cleared now. One relaxed load
// when nothing is pending.
inline void flush() noexcept {
    if (detail::pending_count.load(std::memory_order_relaxed) != 0) detail::flush_slow();
}

}  // namespace shunt::preload::deferred_clear
