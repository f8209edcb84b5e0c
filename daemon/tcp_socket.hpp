// One accelerated TCP socket on the worker: the lwIP pcb, the socket's rings
// in the app's segment and the daemon's end of its notification socketpair.
// Operations are the app's calls (open/bind/listen/connect/accept/shutdown/
// close/options); lwIP's callbacks move bytes between the rings and the pcb.
//
// Data path (docs/shm.md):
//   send ring  --pull_tx()-->  tcp_write (copy)  --> wire
//   wire --> recv callback --> rx_pending pbufs --push_rx()--> receive ring
// Readiness: every change the app must see is recorded in `pending_` and
// applied to the notify fd once per worker loop by the session (flush()).
#pragma once

#include <cstdint>
#include <deque>

#include "base/result.hpp"
#include "shm/byte_ring.hpp"
#include "shm/segment.hpp"

struct tcp_pcb;
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

struct tcp_socket {
    session* owner = nullptr;
    std::uint32_t id = 0;
    int notify_fd = -1;  // daemon's end; -1 while an accepted connection waits in the queue
    tcp_pcb* pcb = nullptr;
    shm::socket_shared* sh = nullptr;
    shm::byte_ring_consumer tx;
    shm::byte_ring_producer rx;
    // Received chains the ring had no room for, oldest first. Kept apart (never
    // pbuf_cat'ed): a pbuf's tot_len is 16 bits and the backlog can be a window.
    std::deque<pbuf*> rx_pending;

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
};

// Creates the pcb for a new socket in slot `s` (rings already reset).
[[nodiscard]] result<void> tcp_open(tcp_socket& s);
[[nodiscard]] result<void> tcp_bind_to(tcp_socket& s, std::uint32_t addr_be, std::uint16_t port_be, bool privileged);
[[nodiscard]] result<void> tcp_listen_on(tcp_socket& s, int backlog);
// 0 never: a connect completes asynchronously; returns EINPROGRESS or an error.
[[nodiscard]] result<void> tcp_connect_to(tcp_socket& s, std::uint32_t addr_be, std::uint16_t port_be);
[[nodiscard]] result<void> tcp_shutdown_dir(tcp_socket& s, int how);
[[nodiscard]] result<void> tcp_set_option(tcp_socket& s, int level, int name, int value);
[[nodiscard]] result<int> tcp_get_option(const tcp_socket& s, int level, int name);
void tcp_names(tcp_socket& s, shm::completion& c);
// The app closed the socket: returns true when the slot can be freed now
// (otherwise the socket drains its send ring first and frees itself later).
[[nodiscard]] bool tcp_close_socket(tcp_socket& s, bool abort);
// Session teardown: RST and forget.
void tcp_reset(tcp_socket& s);
// An accepted connection is handed to the app: makes it live.
void tcp_adopt(tcp_socket& s);

// Moves bytes: from the send ring into lwIP; from held pbufs into the receive ring.
// false: the app corrupted a ring.
[[nodiscard]] bool tcp_pull_tx(tcp_socket& s);
// Makes the app's fd writable if it blocked (tx_blocked) and the send ring
// is at most three quarters full; otherwise leaves it for a later consumption.
void maybe_unblock_tx(tcp_socket& s);
// tcp_pull_tx, then, for a socket the app closed whose ring is now empty,
// the close: the socket is freed and `s` must not be used afterwards.
[[nodiscard]] bool tcp_drive_tx(tcp_socket& s);
[[nodiscard]] bool tcp_push_rx(tcp_socket& s);

}  // namespace shunt::daemon
