// The kernel object that becomes readable when a port's RX queue has frames,
// for PMDs without an RX interrupt of DPDK's own (net_af_xdp and
// net_af_packet in DPDK 22.11): the AF_XDP socket, or the AF_PACKET socket,
// that the PMD opened in this process. The kernel's xsk_flush() and
// packet_rcv() call sk_data_ready on each arriving frame, so poll(2) on that
// socket ends a sleep exactly when rx_burst would find something.
//
// The PMD does not publish the fd, so it is found: the AF_XDP socket that
// appeared while the RX queue was set up (sockets_before() taken just
// before), or the AF_PACKET socket bound to the port's interface.
#pragma once

#include <vector>

namespace shunt::stack {

// Every socket fd this process holds now.
std::vector<int> socket_fds();

// The RX wake-up fd of a port on interface `if_index` (0: unknown), given the
// sockets held before its RX queue was set up; -1 when none is found or more
// than one could be it. Only reads the fds (no poll, no recv).
int find_rx_wake_fd(const std::vector<int>& before, unsigned if_index);

}  // namespace shunt::stack
