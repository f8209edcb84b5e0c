// lwIP's statistics as plain values: every memory pool with available/used/
// max/errors (the seed's memory_stats_data) and every protocol's counters.
// read_lwip_stats() must run on the thread that owns the lwIP instance (the
// worker); the worker publishes copies for the main lcore to report.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace shunt::stack {

struct pool_stats {
    std::string name;
    std::uint64_t available = 0, used = 0, max = 0, errors = 0, illegal = 0;
};

struct proto_stats {
    std::string name;  // link, etharp, ip_frag, ip, icmp, udp, tcp
    std::uint64_t xmit = 0, recv = 0, fw = 0, drop = 0, chkerr = 0, lenerr = 0, memerr = 0,
                  rterr = 0, proterr = 0, opterr = 0, err = 0, cachehit = 0;
};

// lwIP's MIB-2 counters (RFC 1213's tcp and udp groups).
struct mib2_stats {
    std::uint64_t tcp_active_opens = 0, tcp_passive_opens = 0, tcp_attempt_fails = 0, tcp_estab_resets = 0,
                  tcp_out_segs = 0, tcp_retrans_segs = 0, tcp_in_segs = 0, tcp_in_errs = 0, tcp_out_rsts = 0,
                  udp_in_datagrams = 0, udp_no_ports = 0, udp_in_errors = 0, udp_out_datagrams = 0;
};

struct lwip_stats_snapshot {
    std::vector<pool_stats> pools;  // "heap" first, then every memp pool
    std::vector<proto_stats> protocols;
    mib2_stats mib2;
};

lwip_stats_snapshot read_lwip_stats();

}  // namespace shunt::stack
