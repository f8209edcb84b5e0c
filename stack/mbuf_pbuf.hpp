// Received frames reach lwIP without a copy (seed: OpenPerf): each mbuf of the
// packet pool carries, in its private area, an lwIP custom pbuf that points at
// the mbuf's data; freeing the pbuf frees the mbuf.
//
//   rte_mbuf | private area: pbuf_custom | headroom | frame data ...
//                               payload ------------^
#pragma once

#include <cstdint>

struct rte_mbuf;
struct rte_mempool;
struct pbuf;

namespace shunt::stack {

// Bytes each mbuf of the pool reserves for the pbuf (pool creation uses it).
std::uint16_t mbuf_private_size();
// Data room of each mbuf: headroom plus one full Ethernet frame.
std::uint16_t mbuf_data_room();

// Wraps a received single-segment mbuf as a pbuf (no copy). A multi-segment
// mbuf is copied into a RAM pbuf and freed. Returns nullptr (and frees the
// mbuf) only when memory is exhausted.
pbuf* pbuf_from_mbuf(rte_mbuf* m);

// Copies an lwIP pbuf chain into a newly allocated mbuf from `pool` for
// transmission. nullptr when the pool is empty or the frame is too long.
rte_mbuf* mbuf_from_pbuf(const pbuf* p, rte_mempool* pool);

}  // namespace shunt::stack
