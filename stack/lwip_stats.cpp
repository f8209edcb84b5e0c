#include "stack/lwip_stats.hpp"

#include "lwip/memp.h"
#include "netif/ppp/ppp_opts.h"  // PPP_NUM_TIMEOUTS, used by memp_std.h
#include "lwip/stats.h"

namespace shunt::stack {
namespace {

// Pool names and caps come from lwIP's own pool list (memp_std.h). Under
// MEMP_MEM_MALLOC lwIP keeps no per-pool "available", so it is reported as the
// configured cap (MEMP_NUM_*) minus what is in use.
struct pool_desc {
    const char* name;
    std::uint64_t cap;
};
constexpr pool_desc k_pools[] = {
#define LWIP_MEMPOOL(name, num, size, desc) {desc, static_cast<std::uint64_t>(num)},
#include "lwip/priv/memp_std.h"
};
static_assert(sizeof k_pools / sizeof k_pools[0] == MEMP_MAX, "one entry per lwIP pool");

pool_stats from_mem(const char* name, std::uint64_t cap, const stats_mem& m) {
    const std::uint64_t used = m.used;
    return pool_stats{name, cap > used ? cap - used : 0, used, m.max, m.err, m.illegal};
}

proto_stats from_proto(const char* name, const stats_proto& p) {
    return proto_stats{name,     p.xmit,   p.recv,    p.fw,     p.drop,  p.chkerr, p.lenerr,
                       p.memerr, p.rterr, p.proterr, p.opterr, p.err,   p.cachehit};
}

}  // namespace

lwip_stats_snapshot read_lwip_stats() {
    lwip_stats_snapshot s;
    s.pools.reserve(MEMP_MAX + 1);
    s.pools.push_back(from_mem("heap", MEM_SIZE, lwip_stats.mem));
    for (int i = 0; i < MEMP_MAX; ++i) {
        const stats_mem* m = lwip_stats.memp[i];
        if (m) s.pools.push_back(from_mem(k_pools[i].name, k_pools[i].cap, *m));
    }
    s.protocols = {
        from_proto("link", lwip_stats.link),       from_proto("etharp", lwip_stats.etharp),
        from_proto("ip_frag", lwip_stats.ip_frag), from_proto("ip", lwip_stats.ip),
        from_proto("icmp", lwip_stats.icmp),       from_proto("udp", lwip_stats.udp),
        from_proto("tcp", lwip_stats.tcp),
    };
    const auto& m = lwip_stats.mib2;
    s.mib2 = mib2_stats{m.tcpactiveopens, m.tcppassiveopens, m.tcpattemptfails, m.tcpestabresets, m.tcpoutsegs,
                        m.tcpretranssegs, m.tcpinsegs, m.tcpinerrs, m.tcpoutrsts, m.udpindatagrams, m.udpnoports,
                        m.udpinerrors, m.udpoutdatagrams};
    return s;
}

}  // namespace shunt::stack
