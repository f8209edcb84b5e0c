// A single-producer single-consumer byte stream in shared memory: the TCP
// send ring (app -> daemon) and receive ring (daemon -> app) of one socket.
//
//   shared (in the segment)            private (one per side)
//   -----------------------            ----------------------
//   tail: bytes ever produced  <-----  producer: own tail copy, data, capacity
//   head: bytes ever consumed  <-----  consumer: own head copy, data, capacity
//
// The indexes are free-running 64-bit byte counts on separate cache lines
// (layout after VPP's svm_fifo and DPDK's rte_ring). Each side keeps its own
// index privately and only ever stores it to the segment; it loads only the
// other side's index. The data pointer and capacity come from each side's own
// trusted bookkeeping, never from the segment.
//
// Trust: the daemon is one of the two sides and the app may scribble over the
// whole segment. `validate` turns an impossible index (more bytes readable
// than the ring holds) into an error instead of a wild copy, so a corrupt ring
// ends only that app's session.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace shunt::shm {

constexpr std::size_t k_cache_line = 64;

struct byte_ring_shared {
    // Written by the producer only (release), read by the consumer (acquire).
    alignas(k_cache_line) std::atomic<std::uint64_t> tail{0};
    // Written by the consumer only (release), read by the producer (acquire).
    alignas(k_cache_line) std::atomic<std::uint64_t> head{0};
};
static_assert(sizeof(byte_ring_shared) == 2 * k_cache_line);
static_assert(offsetof(byte_ring_shared, head) == k_cache_line);
static_assert(std::atomic<std::uint64_t>::is_always_lock_free);

// Copies into/out of a ring whose capacity is a power of two, splitting at the wrap.
// n == 0 copies nothing and may come with a null pointer (an app's
// sendto(fd, NULL, 0, ...)): memcpy must not see it (UB even for 0 bytes).
inline void ring_copy_in(std::uint8_t* data, std::uint32_t cap, std::uint64_t pos, const void* src, std::size_t n) {
    if (n == 0) return;
    const std::size_t off = pos & (cap - 1);
    const std::size_t first = n < cap - off ? n : cap - off;
    std::memcpy(data + off, src, first);
    std::memcpy(data, static_cast<const std::uint8_t*>(src) + first, n - first);
}
inline void ring_copy_out(const std::uint8_t* data, std::uint32_t cap, std::uint64_t pos, void* dst, std::size_t n) {
    if (n == 0) return;
    const std::size_t off = pos & (cap - 1);
    const std::size_t first = n < cap - off ? n : cap - off;
    std::memcpy(dst, data + off, first);
    std::memcpy(static_cast<std::uint8_t*>(dst) + first, data, n - first);
}

class byte_ring_producer {
public:
    byte_ring_producer() = default;
    byte_ring_producer(byte_ring_shared* s, std::uint8_t* data, std::uint32_t cap)
        : s_(s), data_(data), cap_(cap), tail_(s->tail.load(std::memory_order_relaxed)) {}

    // Bytes that can be written now; -1 when the consumer's head is impossible
    // (ahead of our tail or more than one ring behind it).
    [[nodiscard]] std::int64_t free_space() const {
        // acquire: pairs with the consumer's release of head, so the bytes it
        // consumed are no longer read by it when we overwrite them.
        const std::uint64_t head = s_->head.load(std::memory_order_acquire);
        const std::uint64_t used = tail_ - head;
        if (used > cap_) return -1;
        return static_cast<std::int64_t>(cap_ - used);
    }

    // Writes up to n bytes (no more than free_space()); returns bytes written
    // or -1 on a corrupt ring.
    std::int64_t write(const void* src, std::size_t n) {
        const std::int64_t space = free_space();
        if (space < 0) return -1;
        if (n > static_cast<std::size_t>(space)) n = static_cast<std::size_t>(space);
        if (n == 0) return 0;
        ring_copy_in(data_, cap_, tail_, src, n);
        tail_ += n;
        // release: pairs with the consumer's acquire of tail; the bytes above
        // are visible before the new tail is.
        s_->tail.store(tail_, std::memory_order_release);
        return static_cast<std::int64_t>(n);
    }

    // Record writers (shm/datagram.hpp): copy n bytes to `off` bytes past the
    // tail without publishing them, then publish `n` bytes at once. The caller
    // has checked free_space() covers everything it stages.
    void stage(std::size_t off, const void* src, std::size_t n) { ring_copy_in(data_, cap_, tail_ + off, src, n); }
    void publish(std::size_t n) {
        tail_ += n;
        // release: pairs with the consumer's acquire of tail; every staged
        // byte is visible before the new tail is.
        s_->tail.store(tail_, std::memory_order_release);
    }

    // App side: several threads or forked processes may take turns producing
    // (under the socket's shared lock), so the view reloads the tail the last
    // one stored. The daemon never calls this: its own index stays private.
    void resync() { tail_ = s_->tail.load(std::memory_order_relaxed); }

    std::uint32_t capacity() const { return cap_; }
    std::uint64_t tail() const { return tail_; }
    byte_ring_shared* shared() const { return s_; }

private:
    byte_ring_shared* s_ = nullptr;
    std::uint8_t* data_ = nullptr;
    std::uint32_t cap_ = 0;
    std::uint64_t tail_ = 0;
};

class byte_ring_consumer {
public:
    byte_ring_consumer() = default;
    byte_ring_consumer(byte_ring_shared* s, std::uint8_t* data, std::uint32_t cap)
        : s_(s), data_(data), cap_(cap), head_(s->head.load(std::memory_order_relaxed)) {}

    // Bytes readable now; -1 when the producer's tail is impossible.
    [[nodiscard]] std::int64_t readable() const {
        // acquire: pairs with the producer's release of tail, so the bytes up
        // to it are visible to the copies below.
        const std::uint64_t tail = s_->tail.load(std::memory_order_acquire);
        const std::uint64_t avail = tail - head_;
        if (avail > cap_) return -1;
        return static_cast<std::int64_t>(avail);
    }

    // Copies up to n readable bytes without consuming them; -1 if corrupt.
    std::int64_t peek(void* dst, std::size_t n, std::size_t skip = 0) const {
        const std::int64_t avail = readable();
        if (avail < 0) return -1;
        if (skip >= static_cast<std::size_t>(avail)) return 0;
        if (n > static_cast<std::size_t>(avail) - skip) n = static_cast<std::size_t>(avail) - skip;
        ring_copy_out(data_, cap_, head_ + skip, dst, n);
        return static_cast<std::int64_t>(n);
    }

    // The readable bytes as at most two contiguous spans (for zero-copy use by
    // the daemon, which hands them to lwIP). Returns the first span's length.
    std::size_t contiguous(std::size_t avail, const std::uint8_t** p) const {
        const std::size_t off = head_ & (cap_ - 1);
        *p = data_ + off;
        return avail < cap_ - off ? avail : cap_ - off;
    }

    // Marks n bytes (n <= readable()) consumed.
    void consume(std::size_t n) {
        head_ += n;
        // release: pairs with the producer's acquire of head; our reads of the
        // consumed bytes are done before it may overwrite them.
        s_->head.store(head_, std::memory_order_release);
    }

    std::int64_t read(void* dst, std::size_t n) {
        const std::int64_t got = peek(dst, n);
        if (got > 0) consume(static_cast<std::size_t>(got));
        return got;
    }

    // App side only, as for the producer.
    void resync() { head_ = s_->head.load(std::memory_order_relaxed); }

    std::uint32_t capacity() const { return cap_; }
    std::uint64_t head() const { return head_; }
    byte_ring_shared* shared() const { return s_; }

private:
    byte_ring_shared* s_ = nullptr;
    const std::uint8_t* data_ = nullptr;
    std::uint32_t cap_ = 0;
    std::uint64_t head_ = 0;
};

}  // namespace shunt::shm
