#include "stack/mbuf_pbuf.hpp"

#include <rte_mbuf.h>

#include "lwip/pbuf.h"

namespace shunt::stack {
namespace {

constexpr std::uint16_t k_frame_room = 2048;  // >= 1514-byte frames; matches PBUF_POOL_BUFSIZE

constexpr std::uint16_t k_priv = static_cast<std::uint16_t>(
    (sizeof(pbuf_custom) + RTE_MBUF_PRIV_ALIGN - 1) & ~(RTE_MBUF_PRIV_ALIGN - 1));
static_assert(k_priv % RTE_MBUF_PRIV_ALIGN == 0, "mbuf private area must stay aligned");
static_assert(k_priv >= sizeof(pbuf_custom), "pbuf_custom must fit the private area");

pbuf_custom* custom_of(rte_mbuf* m) { return static_cast<pbuf_custom*>(rte_mbuf_to_priv(m)); }

// The private area starts right after the rte_mbuf header (rte_mbuf_to_priv).
rte_mbuf* mbuf_of(pbuf* p) {
    return reinterpret_cast<rte_mbuf*>(reinterpret_cast<char*>(p) - sizeof(rte_mbuf));
}

// lwIP calls this when the last reference to the pbuf goes away, on the
// worker that owns the instance; the mbuf returns to its pool.
void free_mbuf_pbuf(pbuf* p) { rte_pktmbuf_free(mbuf_of(p)); }

}  // namespace

std::uint16_t mbuf_private_size() { return k_priv; }
std::uint16_t mbuf_data_room() { return RTE_PKTMBUF_HEADROOM + k_frame_room; }

pbuf* pbuf_from_mbuf(rte_mbuf* m) {
    const std::uint32_t len = rte_pktmbuf_pkt_len(m);
    if (m->nb_segs == 1 && len <= 0xffff) {
        pbuf_custom* pc = custom_of(m);
        static_assert(offsetof(pbuf_custom, pbuf) == 0, "mbuf_of() relies on pbuf first");
        pc->custom_free_function = free_mbuf_pbuf;
        return pbuf_alloced_custom(PBUF_RAW, static_cast<u16_t>(len), PBUF_REF, pc,
                                   rte_pktmbuf_mtod(m, void*), static_cast<u16_t>(len));
    }
    // Rare: a chained frame (jumbo on a small-room pool). Copy it flat.
    pbuf* p = len <= 0xffff ? pbuf_alloc(PBUF_RAW, static_cast<u16_t>(len), PBUF_RAM) : nullptr;
    if (p) {
        std::uint32_t off = 0;
        for (rte_mbuf* s = m; s; s = s->next) {
            pbuf_take_at(p, rte_pktmbuf_mtod(s, const void*), s->data_len, static_cast<u16_t>(off));
            off += s->data_len;
        }
    }
    rte_pktmbuf_free(m);
    return p;
}

rte_mbuf* mbuf_from_pbuf(const pbuf* p, rte_mempool* pool) {
    if (p->tot_len > k_frame_room) return nullptr;
    rte_mbuf* m = rte_pktmbuf_alloc(pool);
    if (!m) return nullptr;
    char* dst = rte_pktmbuf_append(m, p->tot_len);
    if (!dst) {
        rte_pktmbuf_free(m);
        return nullptr;
    }
    pbuf_copy_partial(p, dst, p->tot_len, 0);
    return m;
}

}  // namespace shunt::stack
