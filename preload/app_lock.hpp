// A mutex in the shared segment, shared by every thread of the app and by
// forked children that use the same socket (a futex on a segment word; the
// daemon never takes it). 0 free, 1 locked, 2 locked with sleepers
// (U. Drepper, "Futexes Are Tricky", mutex #3).
#pragma once

#include <atomic>
#include <cstdint>

#include "shm/futex.hpp"

namespace shunt::preload {

class app_lock {
public:
    explicit app_lock(std::atomic<std::uint32_t>* w) : w_(w) {
        std::uint32_t c = 0;
        // acquire: pairs with the previous holder's release in the destructor.
        if (w_->compare_exchange_strong(c, 1, std::memory_order_acquire, std::memory_order_relaxed)) return;
        if (c != 2) c = w_->exchange(2, std::memory_order_acquire);
        while (c != 0) {
            shm::futex_wait(w_, 2, nullptr);
            c = w_->exchange(2, std::memory_order_acquire);
        }
    }
    ~app_lock() {
        // release: our ring updates are visible to the next holder.
        if (w_->exchange(0, std::memory_order_release) == 2) shm::futex_wake(w_, 1);
    }
    app_lock(const app_lock&) = delete;
    app_lock& operator=(const app_lock&) = delete;

private:
    std::atomic<std::uint32_t>* w_;
};

}  // namespace shunt::preload
