// Copies of the frames a port sends and receives, for `shuntctl capture`
// (as onload_tcpdump does for Onload). The worker records each frame, cut to
// the capture's snaplen, into a single-producer single-consumer byte ring
// while a capture runs; the main lcore drains it into the capture client's
// pcap stream. A frame that finds the ring full is dropped and counted, never
// waited for: the worker never blocks.
//
//   main lcore                          worker
//   ----------                          ------
//   start(): snaplen, ++session,  --->  active (acquire, once per frame)
//            active (release)           record(): header + bytes, publish tail
//   drain() <-- tail (acquire) ----     (release)
//   stop(): active = 0
//
// A record carries the capture session it was made for, so one the worker
// wrote just as a capture stopped is skipped by the next capture.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "shm/byte_ring.hpp"

namespace shunt::stack {

struct capture_record {
    std::uint64_t ts_ns;    // CLOCK_REALTIME
    std::uint32_t caplen;   // bytes that follow
    std::uint32_t wire_len; // the frame's length
    std::uint32_t session;
    std::uint32_t tx;       // 1: sent by the port, 0: received
};
static_assert(sizeof(capture_record) == 24);

class capture_tap {
public:
    explicit capture_tap(std::uint32_t ring_bytes = 8u << 20);

    // --- main lcore
    void start(std::uint32_t snaplen);
    void stop() { active_.store(false, std::memory_order_release); }
    bool running() const { return active_.load(std::memory_order_relaxed); }
    // Calls f(record, bytes) for each record of the current capture; returns
    // how many. false from f stops (the record stays for the next drain).
    template <typename F>
    std::size_t drain(F&& f);
    std::uint64_t drops() const { return drops_.load(std::memory_order_relaxed); }

    // --- worker
    bool active() const { return active_.load(std::memory_order_acquire); }
    // One frame from `pieces` (pairs of pointer and length); cut to snaplen.
    void record(const void* const* data, const std::size_t* lens, int n, std::uint32_t wire_len, bool tx);

private:
    std::uint32_t cap_;
    std::unique_ptr<std::uint8_t[]> data_;
    shm::byte_ring_shared idx_;
    shm::byte_ring_producer prod_;  // worker
    shm::byte_ring_consumer cons_;  // main lcore
    std::atomic<bool> active_{false};
    std::atomic<std::uint32_t> snaplen_{0};
    std::atomic<std::uint32_t> session_{0};
    std::atomic<std::uint64_t> drops_{0};
};

template <typename F>
std::size_t capture_tap::drain(F&& f) {
    std::size_t n = 0;
    const std::uint32_t session = session_.load(std::memory_order_relaxed);
    std::uint8_t buf[65536];
    for (;;) {
        capture_record r;
        const std::int64_t avail = cons_.readable();
        if (avail < static_cast<std::int64_t>(sizeof r)) break;
        cons_.peek(&r, sizeof r);
        const std::size_t total = sizeof r + r.caplen;
        if (r.caplen > sizeof buf || static_cast<std::uint64_t>(avail) < total) break;  // cannot happen
        cons_.peek(buf, r.caplen, sizeof r);
        if (r.session == session) {
            if (!f(r, buf)) break;
            ++n;
        }
        cons_.consume(total);
    }
    return n;
}

}  // namespace shunt::stack
