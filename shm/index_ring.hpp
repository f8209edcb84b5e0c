// A bounded multi-producer single-consumer ring of 64-bit values in shared
// memory: the command ring on which an app's threads (and forked children that
// share the segment) post calls and doorbells for the daemon.
//
// Each cell carries a sequence number (D. Vyukov's bounded queue): producers
// claim a position with a CAS on `enqueue_pos`, write the value, then publish
// the cell by storing seq = pos + 1; the single consumer takes the cell when
// seq == its position + 1 and frees it by storing seq = pos + capacity.
//
// Trust: the consumer (the daemon) keeps its position privately and reads
// only cells; a corrupt cell makes it see garbage values (validated by the
// caller) or nothing, never an out-of-bounds access: every index is masked.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "shm/byte_ring.hpp"
#include "shm/fence.hpp"

namespace shunt::shm {

struct index_cell {
    std::atomic<std::uint64_t> seq;
    std::atomic<std::uint64_t> value;
};
static_assert(sizeof(index_cell) == 16);

struct index_ring_shared {
    // Producers' claim counter (CAS, relaxed: the cell's seq orders the data).
    alignas(k_cache_line) std::atomic<std::uint64_t> enqueue_pos{0};
    // 1 while the consumer (the worker) may sleep without polling this ring:
    // a producer that pushes while it is 1 wakes the consumer (the daemon's
    // wake message, preload/channel.cpp). The handshake is a Dekker pair (see
    // index_ring_consumer::sleep_begin / index_ring_producer::wants_wake): the
    // producer's push and the consumer's store of 1 are each followed by a
    // seq_cst fence (shm/fence.hpp) before the other's load, so one of them
    // sees the other and no push sleeps unseen.
    // Untrusted: an app that writes it only spoils its own wake-ups.
    alignas(k_cache_line) std::atomic<std::uint32_t> consumer_asleep{0};
    // index_cell cells[capacity] follow, at the offset the segment layout gives.
};
static_assert(sizeof(index_ring_shared) == 2 * k_cache_line);

// Sets every cell's sequence; done once by the daemon before the app maps the segment.
inline void index_ring_init(index_ring_shared* r, index_cell* cells, std::uint32_t cap) {
    r->enqueue_pos.store(0, std::memory_order_relaxed);
    r->consumer_asleep.store(0, std::memory_order_relaxed);
    for (std::uint32_t i = 0; i < cap; ++i) {
        cells[i].seq.store(i, std::memory_order_relaxed);
        cells[i].value.store(0, std::memory_order_relaxed);
    }
}

class index_ring_producer {
public:
    index_ring_producer() = default;
    index_ring_producer(index_ring_shared* r, index_cell* cells, std::uint32_t cap)
        : r_(r), cells_(cells), mask_(cap - 1) {}

    // false when the ring is full.
    [[nodiscard]] bool push(std::uint64_t v) {
        std::uint64_t pos = r_->enqueue_pos.load(std::memory_order_relaxed);
        for (;;) {
            index_cell& c = cells_[pos & mask_];
            // acquire: pairs with the consumer's release of seq when it freed
            // the cell, so our write of value cannot overtake its read.
            const std::uint64_t seq = c.seq.load(std::memory_order_acquire);
            const auto diff = static_cast<std::int64_t>(seq - pos);
            if (diff == 0) {
                if (r_->enqueue_pos.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
                    c.value.store(v, std::memory_order_relaxed);
                    // release: pairs with the consumer's acquire of seq; value
                    // is visible before the cell is published.
                    c.seq.store(pos + 1, std::memory_order_release);
                    return true;
                }
            } else if (diff < 0) {
                return false;
            } else {
                pos = r_->enqueue_pos.load(std::memory_order_relaxed);
            }
        }
    }

    // After a successful push: true when the consumer announced a sleep and
    // this producer is the one to wake it (it took the announcement, so of
    // several racing producers exactly one wakes it).
    [[nodiscard]] bool wants_wake() {
        // seq_cst fence: our published cell comes before our load of
        // consumer_asleep; pairs with the fence in sleep_begin().
        store_load_fence();
        return r_->consumer_asleep.load(std::memory_order_relaxed) != 0 &&
               r_->consumer_asleep.exchange(0, std::memory_order_relaxed) != 0;
    }

private:
    index_ring_shared* r_ = nullptr;
    index_cell* cells_ = nullptr;
    std::uint64_t mask_ = 0;
};

class index_ring_consumer {
public:
    index_ring_consumer() = default;
    index_ring_consumer(index_ring_shared* r, index_cell* cells, std::uint32_t cap)
        : r_(r), cells_(cells), mask_(cap - 1) {}

    // false when nothing is published at the consumer's position.
    [[nodiscard]] bool pop(std::uint64_t* v) {
        index_cell& c = cells_[pos_ & mask_];
        // acquire: pairs with the producer's release of seq.
        if (c.seq.load(std::memory_order_acquire) != pos_ + 1) return false;
        *v = c.value.load(std::memory_order_relaxed);
        // release: pairs with a producer's acquire of seq; our read of value
        // happens before the cell is reused.
        c.seq.store(pos_ + mask_ + 1, std::memory_order_release);
        ++pos_;
        return true;
    }

    // Whether a value is published at the consumer's position (nothing taken).
    bool pending() const {
        // acquire: pairs with the producer's release of seq.
        return cells_[pos_ & mask_].seq.load(std::memory_order_acquire) == pos_ + 1;
    }

    // Before the consumer sleeps: announces it, then looks at the ring once
    // more. false: a value was pushed meanwhile (the consumer must not sleep;
    // consumer_sleep_end still applies).
    [[nodiscard]] bool sleep_begin() {
        r_->consumer_asleep.store(1, std::memory_order_relaxed);
        // seq_cst fence: our store of consumer_asleep comes before our look
        // at the cell; pairs with the fence in wants_wake().
        store_load_fence();
        return !pending();
    }
    // After the sleep (or a cancelled one): producers need not wake us.
    void sleep_end() { r_->consumer_asleep.store(0, std::memory_order_relaxed); }

    std::uint64_t position() const { return pos_; }

private:
    index_ring_shared* r_ = nullptr;
    index_cell* cells_ = nullptr;
    std::uint64_t mask_ = 0;
    std::uint64_t pos_ = 0;
};

}  // namespace shunt::shm
