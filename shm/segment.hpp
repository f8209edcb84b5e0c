// The layout of one app's shared segment (a memfd created by shuntd, mapped
// by the app and its forked children). Everything is found by offset from the
// segment's start; no pointer is ever stored in it.
//
//   +--------------------+ 0
//   | segment_header     |  magic, version, geometry, served routes
//   +--------------------+ off_ring
//   | index_ring_shared  |  command ring indexes
//   | index_cell[cells]  |  command ring cells
//   +--------------------+ off_calls
//   | call_slot[calls]   |  in-flight calls and their completions
//   | app_info           |  what the app reports of itself (display only)
//   +--------------------+ off_sockets
//   | socket_shared[n]   |  per-socket ring indexes, readiness handshake flags
//   +--------------------+ off_data (page aligned)
//   | socket i: tx ring bytes, rx ring bytes (ring_bytes each)   ...
//   +--------------------+ size
//
// The daemon computes the geometry from its own configuration and never reads
// it back from the segment; the app takes it from the header.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "shm/byte_ring.hpp"
#include "shm/index_ring.hpp"
#include "shm/protocol.hpp"

namespace shunt::shm {

struct segment_geometry {
    std::uint32_t max_sockets;
    std::uint32_t ring_bytes;  // capacity of each direction's ring, a power of two
    std::uint32_t call_slots;
    std::uint32_t ring_cells;  // command ring capacity, a power of two
    std::uint64_t off_ring;
    std::uint64_t off_cells;
    std::uint64_t off_calls;
    std::uint64_t off_app;
    std::uint64_t off_sockets;
    std::uint64_t off_data;
    std::uint64_t size;
};

constexpr unsigned k_max_routes = 8;
struct served_route {
    std::uint32_t addr;  // network byte order
    std::uint32_t prefix_len;
};

struct segment_header {
    std::uint64_t magic;
    std::uint32_t version;
    std::uint32_t header_size;
    segment_geometry geometry;
    std::uint64_t session;
    std::uint32_t daemon_pid;
    std::uint32_t n_routes;
    served_route routes[k_max_routes];  // the daemon's interface subnets
};
static_assert(std::is_trivially_copyable_v<segment_header>);
static_assert(sizeof(segment_header) <= 4096);

// Status bits the daemon publishes for a socket (release; app loads acquire).
enum socket_status : std::uint32_t {
    st_open = 1u << 0,       // the slot is in use
    st_connected = 1u << 1,  // established (or was)
    st_listening = 1u << 2,
    st_rx_eof = 1u << 3,     // the peer's FIN: no bytes after the ring's current tail
    st_error = 1u << 4,      // so_error is set; the connection is gone
    st_tx_shut = 1u << 5,    // our side's FIN was requested
    st_connecting = 1u << 6,  // connect() issued (stays set once the outcome is known)
};

// TCP_INFO as shuntd knows it, written by the daemon while it answers a
// getopt(IPPROTO_TCP, TCP_INFO) call (the app reads it after the call's
// completion, whose release/acquire orders it). Units as struct tcp_info.
struct tcp_info_shared {
    std::uint8_t state;        // Linux's TCP state numbers (TCP_ESTABLISHED = 1, ...)
    std::uint8_t retransmits;  // of the oldest unacknowledged segment
    std::uint8_t options;      // TCPI_OPT_*
    std::uint8_t wscale;       // snd_wscale << 4 | rcv_wscale
    std::uint32_t rto_us, rtt_us, rttvar_us;
    std::uint32_t snd_mss, rcv_mss, advmss, pmtu;
    std::uint32_t unacked;      // segments
    std::uint32_t snd_ssthresh, snd_cwnd;  // segments
    std::uint32_t rcv_space;    // bytes
    std::uint32_t total_retrans;
};
static_assert(std::is_trivially_copyable_v<tcp_info_shared> && sizeof(tcp_info_shared) <= 64);

// Written by the app after it attaches; the daemon only shows it (shuntctl
// apps) and trusts nothing in it.
struct alignas(k_cache_line) app_info {
    std::atomic<std::uint32_t> syscall_hook;   // 1: libc's syscall sites are patched
    std::atomic<std::uint32_t> syscall_patched;
    std::atomic<std::uint32_t> syscall_skipped;
};
static_assert(sizeof(app_info) == k_cache_line);

struct socket_shared {
    byte_ring_shared tx;  // app produces, daemon consumes
    byte_ring_shared rx;  // daemon produces, app consumes
    // Readiness handshake (see docs/shm.md): each flag is exchanged with
    // seq_cst on both sides, so of two racing sides at least one sees the other.
    alignas(k_cache_line) std::atomic<std::uint32_t> rx_armed;  // the readability handshake (shm/rx_armed.hpp)
    std::atomic<std::uint32_t> tx_pending;                      // 1: a tx_ready doorbell is outstanding
    std::atomic<std::uint32_t> tx_blocked;                      // 1: the app made the notify fd unwritable
    std::atomic<std::uint32_t> rx_full;                         // 1: the daemon holds bytes the ring had no room for
    // Published by the daemon.
    alignas(k_cache_line) std::atomic<std::uint32_t> status;
    std::atomic<std::int32_t> so_error;      // pending error (positive errno), cleared by the app's SO_ERROR read
    std::atomic<std::uint32_t> accept_ready;  // listeners: connections waiting in accept
    std::atomic<std::uint32_t> tx_unsent;     // bytes accepted by the daemon but not yet acknowledged (SIOCOUTQ)
    // App-only: futex locks serialising the app's producers and consumers.
    alignas(k_cache_line) std::atomic<std::uint32_t> app_tx_lock;
    std::atomic<std::uint32_t> app_rx_lock;
    std::atomic<std::uint32_t> app_refs;  // processes holding an fd of it (fork adds one)
    // Written by the daemon on request (TCP_INFO), read by the app after the call.
    alignas(k_cache_line) tcp_info_shared info;
};
static_assert(sizeof(socket_shared) == 8 * k_cache_line);
static_assert(offsetof(socket_shared, rx) == 2 * k_cache_line);
static_assert(offsetof(socket_shared, rx_armed) == 4 * k_cache_line);

constexpr std::uint64_t align_up(std::uint64_t v, std::uint64_t a) { return (v + a - 1) / a * a; }
constexpr bool is_pow2(std::uint64_t v) { return v && !(v & (v - 1)); }
// The least power of two >= v; 0 when none fits in 32 bits (v > 2^31): a
// geometry with a 0 in it is refused by whoever checks one it was given.
constexpr std::uint32_t next_pow2(std::uint64_t v) {
    if (v > (std::uint64_t{1} << 31)) return 0;
    std::uint32_t p = 1;
    while (p < v) p <<= 1;
    return p;
}

// The layout for a segment of max_sockets sockets with rings of ring_bytes
// (rounded up to a power of two) and call_slots concurrent calls. The command
// ring holds one doorbell per socket per kind plus every call, so a push can
// fail only when the app breaks the protocol.
constexpr segment_geometry make_geometry(std::uint32_t max_sockets, std::uint32_t ring_bytes, std::uint32_t call_slots) {
    segment_geometry g{};
    g.max_sockets = max_sockets;
    g.ring_bytes = next_pow2(ring_bytes);
    g.call_slots = call_slots;
    g.ring_cells = next_pow2(std::uint64_t{4} * max_sockets + call_slots);
    g.off_ring = align_up(sizeof(segment_header), k_cache_line);
    g.off_cells = g.off_ring + sizeof(index_ring_shared);
    g.off_calls = align_up(g.off_cells + std::uint64_t{g.ring_cells} * sizeof(index_cell), 128);
    g.off_app = align_up(g.off_calls + std::uint64_t{call_slots} * sizeof(call_slot), k_cache_line);
    g.off_sockets = g.off_app + sizeof(app_info);
    g.off_data = align_up(g.off_sockets + std::uint64_t{max_sockets} * sizeof(socket_shared), 4096);
    g.size = g.off_data + std::uint64_t{max_sockets} * 2 * g.ring_bytes;
    return g;
}

// Typed access to a mapped segment through a geometry the holder trusts.
class segment_view {
public:
    segment_view() = default;
    segment_view(void* base, const segment_geometry& g) : base_(static_cast<std::uint8_t*>(base)), g_(g) {}

    std::uint8_t* base() const { return base_; }
    const segment_geometry& geometry() const { return g_; }
    segment_header* header() const { return reinterpret_cast<segment_header*>(base_); }
    index_ring_shared* ring() const { return reinterpret_cast<index_ring_shared*>(base_ + g_.off_ring); }
    index_cell* cells() const { return reinterpret_cast<index_cell*>(base_ + g_.off_cells); }
    // i < call_slots and sock < max_sockets are the caller's to check.
    call_slot* call(std::uint32_t i) const { return reinterpret_cast<call_slot*>(base_ + g_.off_calls) + i; }
    app_info* app() const { return reinterpret_cast<app_info*>(base_ + g_.off_app); }
    socket_shared* socket(std::uint32_t sock) const {
        return reinterpret_cast<socket_shared*>(base_ + g_.off_sockets) + sock;
    }
    std::uint64_t data_offset(std::uint32_t sock) const { return g_.off_data + std::uint64_t{sock} * 2 * g_.ring_bytes; }
    std::uint8_t* tx_data(std::uint32_t sock) const { return base_ + data_offset(sock); }
    std::uint8_t* rx_data(std::uint32_t sock) const { return base_ + data_offset(sock) + g_.ring_bytes; }

    index_ring_producer ring_producer() const { return {ring(), cells(), g_.ring_cells}; }
    index_ring_consumer ring_consumer() const { return {ring(), cells(), g_.ring_cells}; }

private:
    std::uint8_t* base_ = nullptr;
    segment_geometry g_{};
};

}  // namespace shunt::shm
