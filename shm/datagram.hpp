// UDP message rings: a UDP socket's send and receive rings carry whole
// datagrams as records on the socket's byte rings (shm/byte_ring.hpp):
//
//   | dgram_header (16 B) | payload (len B) | pad to 8 |  | next record ...
//
// A producer writes the whole record (header and payload, wrapping at the
// ring's end as any bytes do) and only then publishes the new tail once
// (release), so a consumer sees either no record or all of it. A record is
// consumed in one step too. The peer's address travels in the header: the
// destination on the send ring (0.0.0.0:0 = the connected peer), the source
// on the receive ring.
//
// Trust: the daemon reads send rings written by an untrusted app, so
// `dgram_peek` rejects a length larger than a UDP datagram can be or a record
// that is not wholly published (a producer never publishes half a record).
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>

#include "shm/byte_ring.hpp"

namespace shunt::shm {

struct dgram_header {
    std::uint32_t len;   // payload bytes
    std::uint32_t addr;  // IPv4 address, network byte order
    std::uint16_t port;  // network byte order
    std::uint16_t pad;
    std::uint32_t pad2;
};
static_assert(sizeof(dgram_header) == 16);

// The largest UDP payload over IPv4: 65535 - 20 (IP header) - 8 (UDP header).
constexpr std::uint32_t k_dgram_max = 65507;

constexpr std::uint64_t dgram_record_bytes(std::uint32_t len) {
    return (sizeof(dgram_header) + std::uint64_t{len} + 7) & ~std::uint64_t{7};
}

// The largest payload a ring of `capacity` bytes can carry in one record.
constexpr std::uint32_t dgram_max_payload(std::uint32_t capacity) {
    const std::uint64_t room = (capacity & ~std::uint64_t{7}) - sizeof(dgram_header);
    return room < k_dgram_max ? static_cast<std::uint32_t>(room) : k_dgram_max;
}

enum class dgram_status { ok, empty, corrupt };

// The next record's header, without consuming it.
inline dgram_status dgram_peek(const byte_ring_consumer& c, dgram_header* h) {
    const std::int64_t avail = c.readable();
    if (avail < 0) return dgram_status::corrupt;
    if (avail == 0) return dgram_status::empty;
    if (static_cast<std::uint64_t>(avail) < sizeof *h) return dgram_status::corrupt;
    if (c.peek(h, sizeof *h) != static_cast<std::int64_t>(sizeof *h)) return dgram_status::corrupt;
    if (h->len > k_dgram_max || dgram_record_bytes(h->len) > static_cast<std::uint64_t>(avail))
        return dgram_status::corrupt;
    return dgram_status::ok;
}

// Copies up to n payload bytes of the record whose header dgram_peek returned,
// starting `skip` bytes into the payload; returns the bytes copied.
inline std::size_t dgram_copy_payload(const byte_ring_consumer& c, const dgram_header& h, void* dst, std::size_t n,
                                      std::size_t skip = 0) {
    if (skip >= h.len) return 0;
    if (n > h.len - skip) n = h.len - skip;
    const std::int64_t got = c.peek(dst, n, sizeof h + skip);
    return got > 0 ? static_cast<std::size_t>(got) : 0;
}

inline void dgram_consume(byte_ring_consumer& c, const dgram_header& h) { c.consume(dgram_record_bytes(h.len)); }

// Writes one record gathered from pieces and publishes it; false (nothing
// written) when the ring lacks room or is corrupt (-1 from free_space, told
// apart by the caller with free_space()).
template <typename Pieces>
bool dgram_write(byte_ring_producer& p, const dgram_header& h, Pieces&& for_each_piece) {
    const std::int64_t space = p.free_space();
    if (space < 0 || static_cast<std::uint64_t>(space) < dgram_record_bytes(h.len)) return false;
    p.stage(0, &h, sizeof h);
    std::size_t off = sizeof h;
    for_each_piece([&p, &off](const void* src, std::size_t n) {
        p.stage(off, src, n);
        off += n;
    });
    p.publish(dgram_record_bytes(h.len));
    return true;
}

}  // namespace shunt::shm
