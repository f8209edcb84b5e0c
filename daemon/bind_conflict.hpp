// Who may bind (or listen on) a port another socket holds: Linux's rules,
// so that no app can take a port the kernel would refuse it, whatever lwIP
// itself allows.
//
// lwIP checks less: it lets any two pcbs with SO_REUSEADDR share a port,
// listening or not, and compares listeners by exact address only, so a
// second uid could listen on <address>:P beside another uid's 0.0.0.0:P and
// receive its SYNs (lwIP prefers the exact address). Linux refuses that:
//
// TCP (net/ipv4/inet_connection_sock.c, inet_bind_conflict, with
// relax = reuseport_ok = true as bind() and listen() call it): two sockets
// whose addresses overlap (equal, or either one 0.0.0.0) conflict unless
//   - both set SO_REUSEADDR and the holder does not listen, or
//   - both set SO_REUSEPORT and the holder is of the same uid (or in
//     TIME_WAIT: not kept here, those pcbs have no owner).
// A connection (accepted, or in TIME_WAIT) holds the port with the options
// of the socket it came from: lwIP copies SO_REUSEADDR into accepted pcbs,
// shunt copies SO_REUSEPORT into accepted sockets.
//
// UDP (net/ipv4/udp.c, udp_lib_lport_inuse): overlapping sockets conflict
// unless both set SO_REUSEADDR (any uid: that is how several programs share
// a multicast port), or both set SO_REUSEPORT and are of the same uid.
//
// Worker thread only (walks the worker's lwIP lists).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>

namespace shunt::daemon {

struct engine_socket;

namespace bind_rules {

// One socket's claim on a local port, as Linux's bind buckets see it.
struct claim {
    std::uint32_t addr_be = 0;  // 0: every address
    bool reuseaddr = false;     // SO_REUSEADDR
    bool reuseport = false;     // SO_REUSEPORT
    bool listening = false;     // matters only for the socket already there
    std::optional<uid_t> uid;   // none: a pcb no socket owns any more (never "the same uid")
};

// May `me` bind or listen where `held` is? (true: EADDRINUSE)
bool tcp_conflict(const claim& me, const claim& held);
bool udp_conflict(const claim& me, const claim& held);

}  // namespace bind_rules

// bind() or listen() of `s` on addr:port (network order; port non-zero)
// against every pcb of this worker's lwIP but its own: 0, or EADDRINUSE.
// listen() checks again (Linux's inet_csk_listen_start does): two sockets
// with SO_REUSEADDR may both bind a port, but only one of them may listen.
int tcp_port_conflict(const engine_socket& s, std::uint32_t addr_be, std::uint16_t port_be);
int udp_port_conflict(const engine_socket& s, std::uint32_t addr_be, std::uint16_t port_be);

}  // namespace shunt::daemon
