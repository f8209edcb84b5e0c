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
    tcp_pcb* pcb = nullptr;     // TCP
    udp_pcb* udp = nullptr;     // UDP (dgram)
    shm::socket_shared* sh = nullptr;
    shm::byte_ring_consumer tx;
    shm::byte_ring_producer rx;
    // Received chains the ring had no room for, oldest first. Kept apart (never
    // pbuf_cat'ed): a pbuf's tot_len is 16 bits and the backlog can be a window.
    std::deque<pbuf*> rx_pending;

    bool dgram = false;          // UDP: the rings carry datagram records (shm/datagram.hpp)
    bool tx_retry = false;       // UDP: the send ring stopped on ERR_MEM; the session retries
    bool listener = false;
    bool connecting = false;
    bool connected = false;
    bool peer_fin = false;       // FIN received (published once rx_pending is empty)
    bool fin_requested = false;  // shutdown(SHUT_WR): FIN once the send ring is empty
    bool closing = false;        // the app closed it: flush, then tcp_close and free
    bool adopted = false;        // handed to the app (open, or accept)
    std::uint8_t pending_ = 0;   // notify_bits to apply at the end of the loop
    bool queued_ = false;        // on the session's flush list
    std::uint32_t backlog = 0;
    std::deque<std::uint32_t> accept_queue;  // ids of connections not yet accepted
    // Addresses (network order), kept for getsockname/getpeername after lwIP
    // has taken the pcb over (TIME_WAIT) or freed it.
    std::uint32_t local_addr = 0, peer_addr = 0;
    std::uint16_t local_port = 0, peer_port = 0;
    std::uint64_t rx_drops = 0;  // UDP: datagrams dropped for want of receive-ring room
};

// The errno for an lwIP err_t.
int lwip_errno(int err);
// Is addr (network order) one of the daemon's interface addresses?
bool local_address(std::uint32_t addr_be);

// Publishes status bits to the app (release: pairs with the app's acquire
// load of status; ring bytes and so_error written before are visible with them).
void publish_status(engine_socket& s, std::uint32_t bits);

// Makes the app's fd writable if it blocked (tx_blocked) and the send ring
// is at most three quarters full; otherwise leaves it for a later consumption.
// A TCP socket is writable only once connected.
void maybe_unblock_tx(engine_socket& s);

}  // namespace shunt::daemon
