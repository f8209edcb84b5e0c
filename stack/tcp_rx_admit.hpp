// The question lwIP's tcp_receive asks before it takes a segment's data
// (stack/lwip_tcp_in.sed): non-zero takes it, 0 drops it unacknowledged (the
// peer retransmits). shuntd's TCP sockets answer it from their app's budget
// of lwIP's heap (daemon/stack_memory.hpp, daemon/tcp_socket.cpp); NULL, the
// default, takes everything. Set before lwIP runs; worker lcore only.
#pragma once

#include <cstdint>

struct tcp_pcb;

extern "C" {
// `seqno`: the segment's first sequence number; `len`: its length in
// sequence space (data, plus one for a FIN).
typedef std::uint8_t (*shunt_tcp_rx_admit_fn)(struct tcp_pcb* pcb, std::uint32_t seqno, std::uint16_t len);
extern shunt_tcp_rx_admit_fn shunt_tcp_rx_admit;
}
