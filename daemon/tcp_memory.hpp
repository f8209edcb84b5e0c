// A TCP socket's share of lwIP's heap, charged to its app's account
// (daemon/stack_memory.hpp, where the rules are). tcp_socket.cpp calls these
// wherever what a socket holds changes. Worker lcore only.
#pragma once

#include <cstdint>

#include "daemon/engine_socket.hpp"

namespace shunt::daemon::tcp_memory {

// Bytes that entered (delta > 0) or left the socket's rx_pending.
void charge_rx(engine_socket& s, std::int64_t delta);
// Written bytes its pcb holds now (none once the pcb is gone).
void charge_tx(engine_socket& s);
// The connection is up: its receive window starts as its SYN or SYN-ACK
// announced it (64 KiB at most), promised from the budget.
void start_window(engine_socket& s);
// `moved` bytes went into the app's ring: the window grows by as much, up to
// lwIP's largest, while the budget can promise it.
void grow_window(engine_socket& s, std::uint64_t moved);
// The pcb is gone or no longer the socket's: its window is promised no more.
void end_window(engine_socket& s);
// With the socket's callbacks already detached and before any tcp_close of
// `pcb`: what lwIP still holds of its written bytes stays charged to the app
// (an orphan) while lwIP keeps the pcb; afterwards the socket holds nothing.
void orphan_charge(engine_socket& s, tcp_pcb* pcb);

}  // namespace shunt::daemon::tcp_memory
