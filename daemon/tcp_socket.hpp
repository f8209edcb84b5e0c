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

#include "base/result.hpp"
#include "daemon/engine_socket.hpp"

namespace shunt::daemon {

// Creates the pcb for a new socket in slot `s` (rings already reset).
[[nodiscard]] result<void> tcp_open(engine_socket& s);
[[nodiscard]] result<void> tcp_bind_to(engine_socket& s, std::uint32_t addr_be, std::uint16_t port_be, bool privileged);
[[nodiscard]] result<void> tcp_listen_on(engine_socket& s, int backlog);
// 0 never: a connect completes asynchronously; returns EINPROGRESS or an error.
[[nodiscard]] result<void> tcp_connect_to(engine_socket& s, std::uint32_t addr_be, std::uint16_t port_be);
[[nodiscard]] result<void> tcp_shutdown_dir(engine_socket& s, int how);
[[nodiscard]] result<void> tcp_set_option(engine_socket& s, int level, int name, int value);
[[nodiscard]] result<int> tcp_get_option(const engine_socket& s, int level, int name);
void tcp_names(engine_socket& s, shm::completion& c);
// The app closed the socket: returns true when the slot can be freed now
// (otherwise the socket drains its send ring first and frees itself later).
[[nodiscard]] bool tcp_close_socket(engine_socket& s, bool abort);
// Session teardown: RST and forget.
void tcp_reset(engine_socket& s);
// An accepted connection is handed to the app: makes it live.
void tcp_adopt(engine_socket& s);
// The socket a pcb of this worker's lwIP belongs to: null for a pcb no
// socket owns (closed by its app, or a connection not yet accepted).
const engine_socket* tcp_socket_of(const tcp_pcb* pcb);

// Moves bytes: from the send ring into lwIP; from held pbufs into the receive ring.
// false: the app corrupted a ring.
[[nodiscard]] bool tcp_pull_tx(engine_socket& s);
// tcp_pull_tx, then, for a socket the app closed whose ring is now empty,
// the close: the socket is freed and `s` must not be used afterwards.
[[nodiscard]] bool tcp_drive_tx(engine_socket& s);
[[nodiscard]] bool tcp_push_rx(engine_socket& s);

// TCP_INFO for the app: written into the socket's shared info line
// (daemon/tcp_introspection.cpp, with tcp_describe).
void tcp_publish_info(const engine_socket& s);
// The socket's line in `shuntctl sockets` (protocol fields; the session adds pid).
void tcp_describe(const engine_socket& s, socket_report& r);

}  // namespace shunt::daemon
