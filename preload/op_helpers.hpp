// Helpers the operations on accelerated sockets share (socket_ops.cpp for
// TCP, dgram_ops.cpp for UDP): waiting in the kernel on the notify fd, the
// readiness handshakes with shuntd, and small conversions.
#pragma once

#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cstring>

#include "base/result.hpp"
#include "preload/accel_socket.hpp"
#include "preload/channel.hpp"
#include "preload/deferred_clear.hpp"
#include "preload/fd_table.hpp"
#include "preload/sandbox.hpp"
#include "shm/fence.hpp"
#include "shm/notify.hpp"
#include "shm/rx_armed.hpp"
#include "shm/sys.hpp"

namespace shunt::preload {

using shm::sys::raw;

inline error err(int e) { return error{e, {}}; }

inline shm::command make_cmd(shm::op o, const accel_socket& s) {
    shm::command c{};
    c.opcode = static_cast<std::uint32_t>(o);
    c.sock = s.id;
    return c;
}

inline std::size_t iov_total(const iovec* iov, int n) {
    std::size_t t = 0;
    for (int i = 0; i < n; ++i) t += iov[i].iov_len;
    return t;
}

inline int timeout_ms(const timeval& tv) {
    if (tv.tv_sec == 0 && tv.tv_usec == 0) return -1;
    const long long ms = static_cast<long long>(tv.tv_sec) * 1000 + (tv.tv_usec + 999) / 1000;
    return ms > 0x7fffffff ? 0x7fffffff : static_cast<int>(ms);
}

// Sleeps in the kernel until fd has one of `events`. 0 ready, -EAGAIN on
// timeout, -EINTR on a signal, -EBADF when fd no longer names `s` (another
// thread closed it: the kernel would keep the call on the old socket, whose
// wake-ups shunt can only hear through that fd, so the call ends here; it
// never goes on to touch another socket's rings, see held_socket). Without a
// timeout, waiting to read is a blocking peek at the notify fd, which the
// kernel restarts after an SA_RESTART handler as it would the app's own
// recv/accept; waiting to write is poll() retried after a signal. With a
// timeout (SO_RCVTIMEO/SO_SNDTIMEO) it is poll(), which the kernel never
// restarts, again as for a socket. Under a seccomp filter (sandbox.hpp),
// which may not allow recv, waiting to read is poll() retried after a
// signal too (as if every handler had SA_RESTART).
inline int wait_fd(int fd, const accel_socket& s, short events, int ms) {
    if (fd_table::get(fd) != &s) return -EBADF;
    if (ms < 0 && events == POLLIN && !sandbox::active()) {
        char b;
        const long r = shm::sys::recv(fd, &b, 1, MSG_PEEK);
        if (fd_table::get(fd) != &s) return -EBADF;
        return r == -EINTR ? -EINTR : 0;
    }
    pollfd p{fd, events, 0};
    for (;;) {
        const long r = raw(SYS_poll, reinterpret_cast<long>(&p), 1, ms);
        if (fd_table::get(fd) != &s || (r > 0 && (p.revents & POLLNVAL))) return -EBADF;
        // Without a timeout a signal is not the caller's business: the
        // kernel would restart its send after an SA_RESTART handler.
        if (r == -EINTR && ms < 0) continue;
        if (r < 0) return static_cast<int>(r);
        return r == 0 ? -EAGAIN : 0;
    }
}

inline void raise_sigpipe(int flags) {
    if (!(flags & MSG_NOSIGNAL)) pthread_kill(pthread_self(), SIGPIPE);
}

inline std::uint32_t status_of(const accel_socket& s) {
    // acquire: pairs with the daemon's release of status; ring bytes and
    // so_error published before it are visible.
    return s.sh->status.load(std::memory_order_acquire);
}

// The daemon's pending error, consumed (as the kernel's sock_error()).
inline int take_error(accel_socket& s) { return s.sh->so_error.exchange(0, std::memory_order_relaxed); }

// SHUNT_SPIN_US for a blocking call that would sleep in the kernel for data
// or room: looks at the ring (ready()) for up to `us` microseconds first.
// true: ready() came true (the call goes on without a system call).
template <typename Ready>
inline bool spin_until(unsigned us, Ready ready) {
    if (us == 0) return false;
    timespec t{};
    clock_gettime(CLOCK_MONOTONIC, &t);
    const long long until = t.tv_sec * 1'000'000'000ll + t.tv_nsec + us * 1000ll;
    for (unsigned i = 0;; ++i) {
        if (ready()) return true;
        __builtin_ia32_pause();
        if (i % 64 == 0) {
            clock_gettime(CLOCK_MONOTONIC, &t);
            if (t.tv_sec * 1'000'000'000ll + t.tv_nsec >= until) return ready();
        }
    }
}

// How the app waits for shuntd's step on rx_armed (a send, or a clear the
// app left it): shuntd makes it within one step of its worker, a system call
// of about 1 to 3 us, so spin that long (a pause is about 30 ns on this kind
// of VM). A worker that has not ended it by then was preempted, most often
// by this very app, woken by its send: yield to it a few times (it is likely
// on this CPU's queue), then sleep on the word until shuntd ends the step
// (it wakes us: rx_flag::app_sleep_on_step); false (give up) after about
// 100 ms (a stopped or dying daemon).
inline bool wait_for_shuntd(std::atomic<std::uint32_t>& word, int round) {
    constexpr int spins = 256, yields = 64;
    if (round < spins) {
        __builtin_ia32_pause();
        return true;
    }
    if (round < spins + yields) {
        // Under a seccomp filter (which may not allow sched_yield): the
        // futex sleep at once, which shuntd's step ends.
        if (!sandbox::active()) {
            sched_yield();
            return true;
        }
        round = spins + yields;
    }
    if (round < spins + yields + 100) {
        const timespec ms{0, 1000000};
        shm::rx_flag::app_sleep_on_step(word, ms);
        return true;
    }
    return false;
}

// The fd stops being readable: drains shuntd's byte(s) and moves rx_armed
// to idle (shm/rx_armed.hpp; a step of shuntd's on the word is waited for
// as `wait(round)` says, by default wait_for_shuntd, so no byte is left
// behind), then looks again at `still_ready`. If something arrived meanwhile
// the fd is made readable again (rearm_rx). Returns whether something is
// ready after all.
template <typename Ready, typename Wait>
inline bool clear_readable(int fd, accel_socket& s, Ready still_ready, Wait wait) {
    shm::rx_flag::app_clear(
        s.sh->rx_armed,
        [fd] { sandbox::active() ? shm::notify_drain_readable_polled(fd) : shm::notify_drain_readable(fd); }, wait);
    if (!still_ready()) return false;
    if (shm::rx_flag::app_request_rearm(s.sh->rx_armed)) s.ch->ring(shm::ring_kind::rearm_rx, s.id);
    return true;
}

template <typename Ready>
inline bool clear_readable(int fd, accel_socket& s, Ready still_ready) {
    return clear_readable(fd, s, still_ready, [&s](int round) { return wait_for_shuntd(s.sh->rx_armed, round); });
}

// A read took the last bytes of a readable socket (TCP or UDP): the fd
// stops being readable, by shuntd's worker where it can (deferred_clear.hpp),
// else now.
inline void readable_ended(int fd, accel_socket& s) {
    if (!deferred_clear::defer(fd, s)) (void)clear_readable(fd, s, [&s] { return s.rx.readable() > 0; });
}

// A read found the ring empty: readability ends, then the ring is looked at
// again; true if bytes are there after all. A non-blocking read leaves a
// clear it handed to the worker to the worker (and asks it once more).
inline bool ring_found_empty(int fd, accel_socket& s, bool nonblock) {
    if (nonblock && deferred_clear::outstanding(s) && deferred_clear::defer(fd, s)) return s.rx.readable() > 0;
    return clear_readable(fd, s, [&s] { return s.rx.readable() > 0; });
}

// Fills the notify fd until it is not writable (under a seccomp filter with
// poll and write only: sandbox.hpp).
inline void fill_notify(int fd) {
    if (sandbox::active()) shm::notify_block_writable_polled(fd);
    else shm::notify_block_writable(fd);
}

// Makes the fd unwritable, then looks at the ring again (the seq_cst fence
// pairs with the daemon's in maybe_unblock_tx; it drains the filler once the
// ring is below three quarters full). Returns whether there is room after
// all, in which case the fd was made writable again (drain_tx).
// A drain of the worker's for an older unblock may run while this block
// fills (session::unblock_writable looks at tx_blocked before and after its
// drain): one that looked before our store of tx_blocked may take our
// filler, so with no room the fd is filled once more after the store (one
// refused send when nothing was taken); one that looks after the store
// refills the fd itself.
inline bool block_tx(int fd, accel_socket& s) {
    fill_notify(fd);
    s.sh->tx_blocked.store(1, std::memory_order_relaxed);
    shm::store_load_fence();
    if (s.tx.free_space() < static_cast<std::int64_t>(s.tx.capacity() / 4)) {
        fill_notify(fd);
        return false;
    }
    if (s.sh->tx_blocked.exchange(0, std::memory_order_relaxed)) s.ch->ring(shm::ring_kind::drain_tx, s.id);
    return true;
}

inline void fill_sockaddr(sockaddr* addr, socklen_t* len, std::uint32_t a, std::uint16_t port) {
    if (!addr || !len) return;
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = a;
    sin.sin_port = port;
    std::memcpy(addr, &sin, std::min<std::size_t>(*len, sizeof sin));
    *len = sizeof sin;
}

}  // namespace shunt::preload
