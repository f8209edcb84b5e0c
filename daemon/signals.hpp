// Signals reach shuntd only through a signalfd read by the main lcore: they
// are blocked before the EAL starts, so every lcore and EAL thread inherits a
// mask in which they are blocked and no signal handler ever runs on a worker
// (seed: DPDK lcore rules). SIGPIPE is ignored everywhere.
#pragma once

#include "base/result.hpp"

namespace shunt::daemon {

// Blocks SIGTERM, SIGINT, SIGHUP and SIGQUIT in the calling thread and
// returns a non-blocking signalfd for them. Call before rte_eal_init().
[[nodiscard]] result<int> block_signals_to_fd();

// Reads one pending signal number from the signalfd; 0 when none.
int read_signal(int fd);

}  // namespace shunt::daemon
