// EAL start-up and shutdown for shuntd, in the order of the seeds' DPDK rules:
// called only after the configuration is valid; the calling thread becomes
// the main lcore (control plane only); one worker lcore per configured worker.
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"
#include "daemon/config.hpp"

namespace shunt::daemon {

// The EAL argument vector for a configuration (exposed for tests and logs).
[[nodiscard]] result<std::vector<std::string>> eal_arguments(const daemon_config& cfg);

// Initialises the EAL; on success the caller must call eal_shutdown().
// The value says whether DPDK runs on hugepages (false: --no-huge).
[[nodiscard]] result<bool> eal_start(const daemon_config& cfg);
void eal_shutdown();

}  // namespace shunt::daemon
