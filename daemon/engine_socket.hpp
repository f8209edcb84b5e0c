// One accelerated socket on the worker, TCP or UDP: its lwIP pcb, its rings
// in the app's segment and the daemon's end of its notification socketpair.
// The protocol's operations live in tcp_socket.* and udp_socket.*; the
// session owns the sockets and applies their readiness changes (`pending_`)
// to the notify fds once per worker loop (session::flush()).
#pragma once

#include <cstdint>
#include <deque>

#include "shm/byte_ring.hpp"
#include "shm/segment.hpp"

struct tcp_pcb;
struct udp_pcb;
struct pbuf;

namespace shunt::daemon {

class session;
struct reuseport_group;  // daemon/reuseport.cpp

enum notify_bits : std::uint8_t {
    nb_readable = 1,    // bytes (or a connection) became available
    nb_writable = 2,    // the send ring has room again / the connection is up
    nb_eof = 4,         // peer's FIN reached the ring's end
    nb_hangup = 8,      // the connection is gone
    nb_more = 16,       // new bytes arrived (a new edge even if already readable)
};

struct engine_socket {
    session* owner = nullptr;
    std::uint32_t id = 0;
    int notify_fd = -1;  // daemon's end; -1 while an accepted connection waits in the queue
    // The app's end of the same pair (its own file, received with the
    // daemon's end): the worker drains it to clear a readability the app
    // left behind (clear_rx). -1 when the app sent only the daemon's end.
    int notify_app_fd = -1;
    tcp_pcb* pcb = nullptr;     // TCP
    udp_pcb* udp = nullptr;     // UDP (dgram)
    shm::socket_shared* sh = nullptr;
    shm::byte_ring_consumer tx;
    shm::byte_ring_producer rx;
    // Received chains the ring had no room for, oldest first. Kept apart (never
    // pbuf_cat'ed): a pbuf's tot_len is 16 bits and the backlog can be a window.
    std::deque<pbuf*> rx_pending;
    // What it holds of lwIP's heap, as charged to its app's account
    // (daemon/stack_memory.hpp): bytes in rx_pending, and bytes written
    // into lwIP and not yet acknowledged.
    std::uint64_t heap_rx = 0, heap_tx = 0;
    // The receive window it was promised (daemon/stack_memory.hpp): held
    // bytes plus lwIP's rcv_wnd; 0 before the connection is up.
    std::uint32_t rcv_window = 0;
    bool stack_memory_wait = false;  // TCP: on the session's list of sends stopped at the budget

    bool dgram = false;          // UDP: the rings carry datagram records (shm/datagram.hpp)
    bool tx_retry = false;       // UDP: the send ring stopped on ERR_MEM or its budget; the session retries
    bool listener = false;
    bool connecting = false;
    bool connected = false;
    bool peer_fin = false;       // FIN received (published once rx_pending is empty)
    bool fin_requested = false;  // shutdown(SHUT_WR): FIN once the send ring is empty
    bool closing = false;        // the app closed it: flush, then tcp_close and free
    bool adopted = false;        // handed to the app (open, or accept)
    bool reuseport = false;      // SO_REUSEPORT (daemon/reuseport.hpp)
    int kernel_fd = -1;          // UDP on 0.0.0.0 on both stacks: the app's kernel socket, read for it
    bool reuseaddr = false;      // SO_REUSEADDR as the app set it (a UDP SO_REUSEPORT member's pcb carries it anyway)
    reuseport_group* group = nullptr;  // the SO_REUSEPORT group it is bound through
    std::uint8_t pending_ = 0;   // notify_bits to apply at the end of the loop
    bool queued_ = false;        // on the session's flush list
    std::uint32_t backlog = 0;
    std::deque<std::uint32_t> accept_queue;  // ids of connections not yet accepted
    // Addresses (network order), kept for getsockname/getpeername after lwIP
    // has taken the pcb over (TIME_WAIT) or freed it.
    std::uint32_t local_addr = 0, peer_addr = 0;
    std::uint16_t local_port = 0, peer_port = 0;
    std::uint64_t rx_drops = 0;  // UDP: datagrams dropped for want of receive-ring room
    std::int32_t app_fd = -1;    // the app's fd number when it opened or accepted it (display only)
    // Its owner for the bind rules (SO_REUSEPORT, daemon/bind_conflict.hpp):
    // the opener's effective uid when it opened it, as Linux's sk_uid is the
    // creator's; an accepted connection's is its listener's (sk_clone_lock).
    uid_t uid = 0;
};

// One socket as `shuntctl sockets` shows it (see docs/shuntctl.md).
struct socket_report {
    const char* proto = "tcp";
    const char* state = "CLOSED";  // ss(8)'s names: LISTEN, ESTAB, SYN-SENT, ..., UNCONN for UDP
    std::uint32_t local_addr = 0, peer_addr = 0;  // network order
    std::uint16_t local_port = 0, peer_port = 0;  // network order
    std::uint64_t rx_queue = 0;  // received, not yet read by the app (ring + held by shuntd)
    std::uint64_t tx_queue = 0;  // written by the app, not yet acknowledged (ring + lwIP)
    std::int64_t pid = 0;
    std::int32_t fd = -1;
    std::uint32_t retrans = 0;   // TCP: retransmissions of the oldest unacknowledged segment
    std::uint32_t rtt_ms = 0;    // TCP: lwIP's smoothed RTT (500 ms granularity)
    std::uint32_t rto_ms = 0;    // TCP: retransmission timeout
    std::uint32_t cwnd = 0, snd_wnd = 0;
    std::uint64_t drops = 0;     // UDP: datagrams dropped on a full receive ring
};

// The errno for an lwIP err_t.
int lwip_errno(int err);
// Is addr (network order) one of the daemon's interface addresses?
bool local_address(std::uint32_t addr_be);

// Publishes status bits to the app (release: pairs with the app's acquire
// load of status; ring bytes and so_error written before are visible with them).
void publish_status(engine_socket& s, std::uint32_t bits);

// Lets go of the socket's notify ends (both, if the app sent its own).
// `hangup`: the app's end then reports ERR|HUP, as after a TCP reset
// (shm::notify_hangup); else it is a plain close (the app closed the socket,
// or its session is gone).
void notify_release(engine_socket& s, bool hangup);

// Makes the app's fd writable if it blocked (tx_blocked) and the send ring
// is at most three quarters full; otherwise leaves it for a later consumption.
// A TCP socket is writable only once connected.
void maybe_unblock_tx(engine_socket& s);

}  // namespace shunt::daemon
