#include "stack/capture_tap.hpp"

#include <time.h>

#include <algorithm>

#include "shm/segment.hpp"

namespace shunt::stack {

capture_tap::capture_tap(std::uint32_t ring_bytes)
    : cap_(shm::next_pow2(ring_bytes)), data_(new std::uint8_t[cap_]),
      prod_(&idx_, data_.get(), cap_), cons_(&idx_, data_.get(), cap_) {}

void capture_tap::start(std::uint32_t snaplen) {
    snaplen_.store(std::clamp<std::uint32_t>(snaplen, 64, 65535), std::memory_order_relaxed);
    session_.fetch_add(1, std::memory_order_relaxed);
    drops_.store(0, std::memory_order_relaxed);
    // release: pairs with the worker's acquire in active(); the snaplen and
    // session are visible before it records anything for this capture.
    active_.store(true, std::memory_order_release);
}

void capture_tap::record(const void* const* data, const std::size_t* lens, int n, std::uint32_t wire_len, bool tx) {
    capture_record r{};
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    r.ts_ns = static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
    std::size_t have = 0;
    for (int i = 0; i < n; ++i) have += lens[i];
    r.caplen = static_cast<std::uint32_t>(std::min<std::size_t>({wire_len, have, snaplen_.load(std::memory_order_relaxed)}));
    r.wire_len = wire_len;
    r.session = session_.load(std::memory_order_relaxed);
    r.tx = tx;
    const std::int64_t space = prod_.free_space();
    if (space < 0 || static_cast<std::uint64_t>(space) < sizeof r + r.caplen) {
        drops_.store(drops_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        return;
    }
    prod_.stage(0, &r, sizeof r);
    std::size_t off = sizeof r, left = r.caplen;
    for (int i = 0; i < n && left; ++i) {
        const std::size_t take = std::min(left, lens[i]);
        prod_.stage(off, data[i], take);
        off += take;
        left -= take;
    }
    prod_.publish(off);  // release: the record's bytes before its tail
}

}  // namespace shunt::stack
