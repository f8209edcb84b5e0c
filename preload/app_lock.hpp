// A mutex in the shared segment, shared by every thread of the app and by
// forked children that use the same socket (a futex on a segment word; the
// daemon never takes it). 0 free, 1 locked, 2 locked with sleepers
// (U. Drepper, "Futexes Are Tricky", mutex #3).
//
// Signal handlers: a handler may call send/recv/read/write on the socket
// whose lock the interrupted code of the same thread holds. Waiting would
// never end, so the lock remembers which locks its thread holds and refuses
// (owned() false) instead; the operation then fails with EAGAIN, as a
// non-blocking one would, and never deadlocks.
#pragma once

#include <atomic>
#include <cstdint>

#include "shm/futex.hpp"

namespace shunt::preload {

class app_lock {
public:
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
        std::uint32_t c = 0;
        // acquire: pairs with the previous holder's release in the destructor.
        if (!w_->compare_exchange_strong(c, 1, std::memory_order_acquire, std::memory_order_relaxed)) {
            if (c != 2) c = w_->exchange(2, std::memory_order_acquire);
            while (c != 0) {
                shm::futex_wait(w_, 2, nullptr);
                c = w_->exchange(2, std::memory_order_acquire);
            }
        }
    }
    ~app_lock() {
        if (!w_) return;
        // release: our ring updates are visible to the next holder.
        if (w_->exchange(0, std::memory_order_release) == 2) shm::futex_wake(w_, 1);
        std::atomic_signal_fence(std::memory_order_seq_cst);
        t_held_[slot_] = nullptr;  // unmarked only once released
    }
    app_lock(const app_lock&) = delete;
    app_lock& operator=(const app_lock&) = delete;

    // false: this thread already holds the lock (a signal handler interrupted it).
    bool owned() const { return w_ != nullptr; }

private:
    std::atomic<std::uint32_t>* w_;
    int slot_ = 0;
    static inline thread_local std::atomic<std::uint32_t>* t_held_[2] = {nullptr, nullptr};
};

}  // namespace shunt::preload
