// A mutex in the shared segment, shared by every thread of the app and by
// forked children that use the same socket (a futex on a segment word; the
// daemon never takes it). The word holds the holder's thread id, with the
// top bit set while others may sleep on it (U. Drepper, "Futexes Are
// Tricky", mutex #3, with the owner recorded as a robust futex does).
//
// A holder that dies inside the critical section (kill -9 of a forked
// child mid-send) must not hang every other sharer for ever: a waiter
// sleeps at most k_owner_check at a time, and when the holder recorded in
// the word no longer exists (kill(tid, 0): ESRCH) it takes the lock over.
// That is safe because what the lock guards, a ring's producer or consumer
// side, is published by one atomic store of head or tail: a holder that
// died left the ring as it was before or after its last publish.
//
// Signal handlers: a handler may call send/recv/read/write on the socket
// whose lock the interrupted code of the same thread holds. Waiting would
// never end, so the lock remembers which locks its thread holds and refuses
// (owned() false) instead; the operation then fails with EAGAIN, as a
// non-blocking one would, and never deadlocks.
#pragma once

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>

#include "shm/futex.hpp"

namespace shunt::preload {

class app_lock {
public:
    static constexpr std::uint32_t k_waiters = 1u << 31;
    static constexpr long k_owner_check_ns = 100'000'000;  // how long a waiter trusts a silent holder

    explicit app_lock(std::atomic<std::uint32_t>* w) : w_(w) {
        // A thread holds at most two (a socket's send and receive locks).
        for (auto* held : t_held_)
            if (held == w) {
                w_ = nullptr;  // re-entered from a signal handler: refuse
                return;
            }
        // Marked before acquiring: a handler interrupting this thread anywhere
        // from here to the release sees the mark. A compiler barrier orders
        // it (only this thread, or a handler running on it, reads t_held_).
        slot_ = t_held_[0] ? 1 : 0;
        t_held_[slot_] = w_;
        std::atomic_signal_fence(std::memory_order_seq_cst);
        const std::uint32_t me = self();
        std::uint32_t c = 0;
        // acquire: pairs with the previous holder's release in the destructor.
        if (!w_->compare_exchange_strong(c, me, std::memory_order_acquire, std::memory_order_relaxed)) contended(me, c);
    }
    ~app_lock() {
        if (!w_) return;
        // release: our ring updates are visible to the next holder.
        if (w_->exchange(0, std::memory_order_release) & k_waiters) shm::futex_wake(w_, 1);
        std::atomic_signal_fence(std::memory_order_seq_cst);
        t_held_[slot_] = nullptr;  // unmarked only once released
    }
    app_lock(const app_lock&) = delete;
    app_lock& operator=(const app_lock&) = delete;

    // false: this thread already holds the lock (a signal handler interrupted it).
    bool owned() const { return w_ != nullptr; }

    // The process may run under a seccomp filter from now on
    // (preload/sandbox.hpp), which may allow neither gettid nor kill: a
    // thread that has no id cached yet records an opaque one instead (its
    // TLS address, flagged: k_opaque), which no waiter ever judges gone, and
    // nobody here asks the kernel whether a holder lives. Mutual exclusion
    // never depended on the id (compare-and-swap from 0); only the takeover
    // of a dead holder's lock is given up.
    static void avoid_system_calls() { s_no_syscalls.store(true, std::memory_order_relaxed); }

private:
    static constexpr std::uint32_t k_opaque = 1u << 30;  // above pid_max (2^22)

    // This thread's id, cached; a forked child (whose one thread has a new
    // id) forgets the parent's.
    static std::uint32_t self() {
        if (!t_tid_) {
            if (s_no_syscalls.load(std::memory_order_relaxed))
                t_tid_ = (static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(&t_tid_) >> 3) & (k_opaque - 1)) |
                         k_opaque;
            else
                t_tid_ = static_cast<std::uint32_t>(gettid()) & ~k_waiters;
        }
        return t_tid_;
    }

    static bool holder_gone(std::uint32_t word) {
        const std::uint32_t holder = word & ~k_waiters;
        if (holder == 0 || (holder & k_opaque) || s_no_syscalls.load(std::memory_order_relaxed)) return false;
        return ::kill(static_cast<pid_t>(holder), 0) != 0 && errno == ESRCH;
    }

    void contended(std::uint32_t me, std::uint32_t c) {
        const int saved = errno;  // the caller's errno survives the waits
        for (;;) {
            if (c == 0) {
                // Free: taken with the waiters bit, as others may sleep (mutex #3).
                if (w_->compare_exchange_weak(c, me | k_waiters, std::memory_order_acquire, std::memory_order_relaxed))
                    break;
                continue;
            }
            if (!(c & k_waiters) &&
                !w_->compare_exchange_weak(c, c | k_waiters, std::memory_order_relaxed, std::memory_order_relaxed))
                continue;
            c |= k_waiters;
            const timespec limit{0, k_owner_check_ns};
            const bool timed_out = shm::futex_wait(w_, c, &limit) != 0 && errno == ETIMEDOUT;
            const std::uint32_t was = c;
            c = w_->load(std::memory_order_relaxed);
            // The same holder all along, and no longer alive: its lock is ours.
            if (timed_out && c == was && holder_gone(c) &&
                w_->compare_exchange_strong(c, me | k_waiters, std::memory_order_acquire, std::memory_order_relaxed))
                break;
        }
        errno = saved;
    }

    std::atomic<std::uint32_t>* w_;
    int slot_ = 0;
    static inline thread_local std::atomic<std::uint32_t>* t_held_[2] = {nullptr, nullptr};
    static inline thread_local std::uint32_t t_tid_ = 0;
    static inline std::atomic<bool> s_no_syscalls{false};
    // Registered when the library loads (not on a first lock, which may be
    // in a signal handler, where pthread_atfork may not be called).
    static inline const int atfork_ = pthread_atfork(nullptr, nullptr, [] { t_tid_ = 0; });
};

}  // namespace shunt::preload
