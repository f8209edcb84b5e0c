// lwIP's heap in DPDK memory (seed: OpenPerf's memp_malloc over rte_malloc).
// Installed by the daemon after EAL init and before lwip_init(); after that
// every lwIP PCB, segment and RAM pbuf lives in hugepage (or --no-huge) memory
// owned by DPDK, and is released with the EAL at shutdown.
#pragma once

namespace shunt::stack {

void install_dpdk_heap();

}  // namespace shunt::stack
