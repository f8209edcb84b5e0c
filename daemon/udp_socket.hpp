// One accelerated UDP socket on the worker: an lwIP udp_pcb whose datagrams
// travel as records on the socket's rings (shm/datagram.hpp).
//
//   send ring records --udp_pull_tx()--> pbuf (copy) --> udp_sendto --> wire
//   wire --> recv callback --> record on the receive ring (copy), or a drop
//
// As the kernel's UDP, the receive side never holds a datagram back: one
// that finds the receive ring full is dropped and counted (the kernel's
// receive-buffer overflow, RcvbufErrors), and lwIP's pbuf goes back at once.
#pragma once

#include <cstdint>

#include "base/result.hpp"
#include "daemon/engine_socket.hpp"

namespace shunt::daemon {

[[nodiscard]] result<void> udp_open(engine_socket& s);
[[nodiscard]] result<void> udp_bind_to(engine_socket& s, std::uint32_t addr_be, std::uint16_t port_be, bool privileged);
// Sets the default peer (and filters what is received to it), binding an
// ephemeral port first if needed; `dissolve` (connect to AF_UNSPEC) removes it.
[[nodiscard]] result<void> udp_connect_to(engine_socket& s, std::uint32_t addr_be, std::uint16_t port_be,
                                          bool dissolve);
[[nodiscard]] result<void> udp_set_option(engine_socket& s, int level, int name, int value);
[[nodiscard]] result<int> udp_get_option(const engine_socket& s, int level, int name);
void udp_names(const engine_socket& s, shm::completion& c);
// Sends what the send ring holds, then lets go of the pcb: the slot can be
// freed. false: the app corrupted the send ring.
[[nodiscard]] bool udp_close_socket(engine_socket& s);
// Session teardown: forget the pcb.
void udp_reset(engine_socket& s);
// Datagrams one udp_pull_tx sends at most (NAPI's weight, 64, for the same
// reason): an app that writes small datagrams as fast as the worker sends
// them must not keep the worker in one call, away from RX, timers and every
// other socket.
constexpr std::uint32_t k_udp_tx_budget = 64;
// Sends the send ring's datagrams, up to k_udp_tx_budget. Stops early, with
// tx_retry set, at the budget or when lwIP has no memory (the session calls
// again on its next loop). false: the app corrupted the ring.
[[nodiscard]] bool udp_pull_tx(engine_socket& s);

// The socket a pcb of this worker's lwIP belongs to (null: not a socket's).
const engine_socket* udp_socket_of(const udp_pcb* pcb);

// The socket's line in `shuntctl sockets` (protocol fields; the session adds pid).
void udp_describe(const engine_socket& s, socket_report& r);

}  // namespace shunt::daemon
