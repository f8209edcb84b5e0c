// Questions lwIP's tcp_in.c asks shuntd (stack/lwip_tcp_in.sed); NULL, the
// default, answers as lwIP alone would. Set before lwIP runs, or by the
// sockets that answer them (daemon/tcp_socket.cpp); worker lcore only.
//
// shunt_tcp_rx_admit, asked by tcp_receive before it takes a segment's
// data: non-zero takes it, 0 drops it unacknowledged (the peer
// retransmits). shuntd's TCP sockets answer it from their app's budget of
// lwIP's heap (daemon/stack_memory.hpp).
//
// shunt_tcp_accept_full, asked for a SYN to a listener and for the ACK that
// would complete a handshake (remote address in network order, port in
// host order): non-zero drops it, as Linux does when the accept queue the
// connection would join is full.
#pragma once

#include <cstdint>

struct tcp_pcb;
struct tcp_pcb_listen;

extern "C" {
// `seqno`: the segment's first sequence number; `len`: its length in
// sequence space (data, plus one for a FIN).
typedef std::uint8_t (*shunt_tcp_rx_admit_fn)(struct tcp_pcb* pcb, std::uint32_t seqno, std::uint16_t len);
extern shunt_tcp_rx_admit_fn shunt_tcp_rx_admit;
typedef std::uint8_t (*shunt_tcp_accept_full_fn)(struct tcp_pcb_listen* lpcb, std::uint32_t remote_addr,
                                                 std::uint16_t remote_port);
extern shunt_tcp_accept_full_fn shunt_tcp_accept_full;
}
