// The seq_cst fence of the channel's store-load handshakes, in the one form
// shunt uses (no std::atomic_thread_fence elsewhere).
//
// Each handshake is a Dekker pair between an app and shuntd: one side stores
// its word (consumer_asleep, tx_blocked, tx_pending, rx_full) and then looks
// at the other's data (a ring index); the other publishes its data and then
// looks at the word. With this fence between the store and the load on both
// sides, at least one of them sees the other, so no wake-up is lost.
//
// Contract: store-load order only, never happens-before. What crosses from
// one side to the other (ring bytes, cells) is published by a release and
// taken by an acquire on the rings' indexes or the cells' sequences; no
// handshake relies on a synchronizes-with edge through these fences.
//
// ThreadSanitizer does not model fences, and GCC refuses them under
// -fsanitize=thread with -Werror ("'atomic_thread_fence' is not supported",
// -Wtsan). By the contract it has nothing to model here: TSAN checks
// happens-before, not store-load order. So the TSAN build keeps the very
// same fence (libtsan's __tsan_atomic_thread_fence is a full barrier: the
// handshakes still hold) and silences -Wtsan here alone; a fence anywhere
// else still fails that build. Code that leaned on this fence for
// happens-before would be reported by TSAN as the race it is. (A
// read-modify-write on a shared word instead, which TSAN would follow, would
// give it synchronizes-with edges the normal build lacks and hide races.)
#pragma once

#include <atomic>

namespace shunt::shm {

inline void store_load_fence() noexcept {
#if defined(__SANITIZE_THREAD__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wtsan"
#endif
    std::atomic_thread_fence(std::memory_order_seq_cst);
#if defined(__SANITIZE_THREAD__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic pop
#endif
}

}  // namespace shunt::shm
