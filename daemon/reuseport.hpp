// SO_REUSEPORT for TCP, with Linux's rules (net/core/sock_reuseport.c,
// inet_csk_bind_conflict): sockets that each set SO_REUSEPORT before bind,
// in apps of the same uid, may bind the same address and port; once they
// listen, each new connection goes to one of the group's listeners, chosen
// by a hash of the peer's address and port (so a client's reconnects spread
// as on Linux). Who may bind is daemon/bind_conflict.hpp's to say (a socket
// without the option, or of another uid, gets EADDRINUSE); join() enters a
// socket that may into the group at its exact address.
//
// lwIP has one listening pcb per address and port, so a group shares one:
// its holder owns the pcb (tcp_arg), the other listeners listen without a
// pcb of their own, and on_accept asks pick() which listener (of whichever
// app) gets the connection. Before anyone listens, the holder's pcb is the
// bound one that keeps the port; the other members keep unbound pcbs. When
// the holder leaves, the pcb (or the port's reservation) passes to another
// member, so the group outlives any one of its sockets.
//
// UDP follows the same rules, and each datagram that arrives on the group's
// port goes to one member, chosen by the same hash of its source: lwIP lets
// every member bind the port (each pcb carries SOF_REUSEADDR for it) but
// hands a datagram to the first pcb that matches, so that member's receive
// callback passes it on (pick_datagram). Each member sends from its own pcb.
//
// Worker thread only. The registry is per lwIP instance: thread_local, as
// each worker runs its own lwIP.
#pragma once

#include <cstdint>

struct tcp_pcb;

namespace shunt::daemon {

struct engine_socket;

namespace reuseport {

// bind() of a socket with SO_REUSEPORT to a non-zero port it may bind:
// true when it joined the group already there (it is bound through the
// group: no pcb bind), false when there is none (bind the pcb, then call
// founded()).
bool join(engine_socket& s, std::uint32_t addr_be, std::uint16_t port_be);
// The pcb of a socket with SO_REUSEPORT was bound: a group begins with it.
void founded(engine_socket& s);
// listen(): true when the group listens already and `s` joined its
// listeners (its own pcb is released). False: `s` listens on its own pcb —
// the group's bound one, which it was given here — and calls listening().
bool join_listeners(engine_socket& s);
void listening(engine_socket& s);
// on_accept: the listener that gets a connection from this peer.
engine_socket* pick(engine_socket* holder, const tcp_pcb* newpcb);
// The same choice for a peer not yet a pcb (a SYN; the port in host order).
engine_socket* pick_for(engine_socket* holder, std::uint32_t remote_be, std::uint16_t remote_port);
// UDP: after a successful bind() of a socket with SO_REUSEPORT (whether
// it may, daemon/bind_conflict.hpp decided), it enters the group there.
void joined_datagram(engine_socket& s);
// UDP receive: the member that gets a datagram from this source.
engine_socket* pick_datagram(engine_socket* s, std::uint32_t src_be, std::uint16_t src_port_be);
// Before a socket's pcb is closed or reset: it leaves its group, handing
// the pcb or the port on (TCP). Idempotent.
void leave(engine_socket& s);

}  // namespace reuseport
}  // namespace shunt::daemon
