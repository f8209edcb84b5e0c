#include "tests/fuzz/rx_frames.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"

namespace shunt::fuzz {
namespace {

std::uint16_t be16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }
std::uint32_t be32(const std::uint8_t* p) {
    return static_cast<std::uint32_t>(p[0]) << 24 | static_cast<std::uint32_t>(p[1]) << 16 |
           static_cast<std::uint32_t>(p[2]) << 8 | p[3];
}
void put16(std::uint8_t* p, std::uint16_t v) {
    p[0] = static_cast<std::uint8_t>(v >> 8);
    p[1] = static_cast<std::uint8_t>(v);
}
void put32(std::uint8_t* p, std::uint32_t v) {
    put16(p, static_cast<std::uint16_t>(v >> 16));
    put16(p + 2, static_cast<std::uint16_t>(v));
}

// RFC 1071's one's complement sum, continued from `sum`.
std::uint32_t sum16(const std::uint8_t* p, std::size_t n, std::uint32_t sum = 0) {
    for (std::size_t i = 0; i + 1 < n; i += 2) sum += be16(p + i);
    if (n & 1) sum += static_cast<std::uint32_t>(p[n - 1]) << 8;
    return sum;
}
std::uint16_t fold(std::uint32_t sum) {
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum);
}

// The connection a segment from src:sport to dst:dport belongs to.
tcp_pcb* find_pcb(std::uint32_t src, std::uint16_t sport, std::uint32_t dst, std::uint16_t dport) {
    for (tcp_pcb* p = tcp_active_pcbs; p; p = p->next) {
        if (p->local_port == dport && p->remote_port == sport &&
            lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(&p->local_ip))) == dst &&
            lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(&p->remote_ip))) == src)
            return p;
    }
    return nullptr;
}

// shuntd's frames sit in DPDK mbufs with 2 KiB of data room, so a read a
// few bytes past a frame's end reads stale bytes, not unmapped memory; lwIP
// 2.1.3 does such reads (docs/fuzzing.md, "Findings"). By default
// every pbuf kind has tail room like that, so that the fuzzer gets past
// them; SHUNT_FUZZ_LWIP_FINDINGS=1 gives buffers of the frame's exact length
// instead (and fuzz_rx no longer pads runts or refuses what shuntd's driver
// refuses), and ASan then reports any read past a frame.
const bool g_exact = std::getenv("SHUNT_FUZZ_LWIP_FINDINGS") != nullptr;
constexpr std::size_t k_mbuf_room = 2048;
constexpr std::size_t k_ram_slack = 64;

struct custom_frame {
    pbuf_custom pc;  // first: lwIP hands back the pbuf
    std::uint8_t* data;
};

void free_custom(pbuf* p) {
    auto* f = reinterpret_cast<custom_frame*>(p);
    std::free(f->data);
    delete f;
}

}  // namespace

void fix_frame(std::span<std::uint8_t> f, std::uint8_t flags) {
    if (!(flags & (ff_checksums | ff_sync_tcp))) return;
    if (f.size() < 14 + 20 || be16(&f[12]) != 0x0800) return;  // IPv4 only
    std::uint8_t* ip = &f[14];
    const std::size_t avail = f.size() - 14;
    const std::size_t ihl = (ip[0] & 0x0f) * 4u;
    if ((ip[0] >> 4) != 4 || ihl < 20 || ihl > avail) return;
    std::size_t total = be16(ip + 2);
    if (total < ihl || total > avail) total = avail;
    const bool fragment = (be16(ip + 6) & 0x3fff) != 0;  // MF or an offset
    std::uint8_t* l4 = ip + ihl;
    const std::size_t l4_len = total - ihl;
    const std::uint8_t proto = ip[9];

    if ((flags & ff_sync_tcp) && proto == 6 && !fragment && l4_len >= 20) {
        if (tcp_pcb* p = find_pcb(be32(ip + 12), be16(l4), be32(ip + 16), be16(l4 + 2))) {
            put32(l4 + 4, p->rcv_nxt + be32(l4 + 4));
            put32(l4 + 8, p->snd_nxt + be32(l4 + 8));
        }
    }
    if (!(flags & ff_checksums)) return;
    put16(ip + 10, 0);
    put16(ip + 10, fold(sum16(ip, ihl)));
    if (fragment) return;  // the transport checksum covers the whole datagram
    // The pseudo-header (RFC 793, RFC 768): addresses, protocol, length.
    const std::uint32_t pseudo = sum16(ip + 12, 8) + proto + static_cast<std::uint32_t>(l4_len);
    if (proto == 6 && l4_len >= 20) {
        put16(l4 + 16, 0);
        put16(l4 + 16, fold(sum16(l4, l4_len, pseudo)));
    } else if (proto == 17 && l4_len >= 8) {
        put16(l4 + 6, 0);
        const std::uint16_t c = fold(sum16(l4, l4_len, pseudo));
        put16(l4 + 6, c ? c : 0xffff);
    } else if (proto == 1 && l4_len >= 4) {
        put16(l4 + 2, 0);
        put16(l4 + 2, fold(sum16(l4, l4_len)));
    }
}

pbuf* frame_pbuf(std::span<const std::uint8_t> frame, std::uint8_t flags) {
    const auto len = static_cast<u16_t>(frame.size());
    switch ((flags >> ff_pbuf_shift) & 3) {
        case 0: {
            auto* f = new (std::nothrow) custom_frame{};
            if (!f) return nullptr;
            const std::size_t room = g_exact ? frame.size() : std::max(frame.size(), k_mbuf_room);
            f->data = static_cast<std::uint8_t*>(std::calloc(room ? room : 1, 1));
            if (!f->data) {
                delete f;
                return nullptr;
            }
            std::memcpy(f->data, frame.data(), frame.size());
            f->pc.custom_free_function = free_custom;
            return pbuf_alloced_custom(PBUF_RAW, len, PBUF_REF, &f->pc, f->data, len);
        }
        case 2: {
            // With tail room: allocated larger, then shrunk (lwIP's mem_trim
            // keeps the block as it is over the C library's heap).
            const std::size_t room = g_exact ? len : std::min<std::size_t>(len + k_ram_slack, 0xffff);
            pbuf* p = pbuf_alloc(PBUF_RAW, static_cast<u16_t>(room), PBUF_RAM);
            if (!p) return nullptr;
            pbuf_realloc(p, len);
            pbuf_take(p, frame.data(), len);
            return p;
        }
        default: {
            pbuf* p = pbuf_alloc(PBUF_RAW, len, PBUF_POOL);
            if (p) pbuf_take(p, frame.data(), len);
            return p;
        }
    }
}

bool exact_frames() { return g_exact; }

unsigned frame_timer_steps(std::uint8_t flags) {
    constexpr unsigned k_steps[4] = {0, 1, 4, 240};
    return k_steps[(flags >> ff_timers_shift) & 3];
}

}  // namespace shunt::fuzz
