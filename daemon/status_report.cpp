#include "daemon/status_report.hpp"

#include <rte_mempool.h>
#include <unistd.h>

#include <cstdio>

#include "base/json_writer.hpp"
#include "lwip/init.h"

namespace shunt::daemon {
namespace {

std::string mac_text(const std::array<std::uint8_t, 6>& m) {
    char buf[18];
    std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
    return buf;
}

double ratio(std::uint64_t part, std::uint64_t whole) {
    return whole ? static_cast<double>(part) / static_cast<double>(whole) : 0.0;
}

void write_mbuf_pool(json_writer& w, const daemon_view& v) {
    const unsigned avail = rte_mempool_avail_count(v.mbuf_pool);
    const unsigned used = rte_mempool_in_use_count(v.mbuf_pool);
    std::uint64_t nombuf = 0;
    for (const auto& n : v.netifs) nombuf += n->counters().tx_nombuf.load(std::memory_order_relaxed);
    for (const auto& p : v.ports) nombuf += p->counters().rx_drops;  // includes rx_nombuf
    w.begin_object()
        .field("name", "mbuf")
        .field("available", std::uint64_t{avail})
        .field("used", std::uint64_t{used})
        .field("max", std::uint64_t{v.mbuf_pool->size})
        .field("errors", nombuf)
        .end_object();
}

}  // namespace

std::string status_json(const daemon_view& v) {
    json_writer w;
    const auto up = std::chrono::steady_clock::now() - v.started;
    w.begin_object()
        .field("version", PACKAGE_VERSION)
        .field("lwip", LWIP_VERSION_STRING)
        .field("pid", static_cast<std::int64_t>(getpid()))
        .field("uptime_s", std::chrono::duration<double>(up).count())
        .field("control_socket", v.config.control_path)
        .field("hugepages", v.huge);
    w.begin_array("ports");
    for (std::size_t i = 0; i < v.ports.size(); ++i) {
        const auto& p = *v.ports[i];
        const auto& pc = v.config.ports[i];
        const auto link = p.link();
        w.begin_object()
            .field("name", p.name())
            .field("driver", p.driver())
            .field("devargs", pc.devargs)
            .field("mac", mac_text(p.mac()))
            .field("link_up", link.up)
            .field("speed_mbps", std::uint64_t{link.speed_mbps})
            .field("mtu", unsigned{p.mtu()})
            .field("address", format_ipv4(pc.address->addr))
            .field("prefix_len", unsigned{pc.address->len})
            .field("gateway", pc.gateway ? format_ipv4(*pc.gateway) : std::string())
            .end_object();
    }
    w.end_array();
    w.begin_array("workers");
    for (const auto& wk : v.workers) {
        const auto r = wk->report();
        w.begin_object()
            .field("lcore", r.lcore)
            .field("loops", r.loops)
            .field("busy_ratio", ratio(r.busy_loops, r.loops))
            .end_object();
    }
    w.end_array();
    w.begin_array("memory");
    write_mbuf_pool(w, v);
    w.end_array();
    w.end_object();
    return w.str();
}

std::string stats_json(const daemon_view& v) {
    json_writer w;
    w.begin_object();
    w.begin_array("ports");
    for (std::size_t i = 0; i < v.ports.size(); ++i) {
        const auto c = v.ports[i]->counters();
        const auto& n = v.netifs[i]->counters();
        const std::uint64_t tx_drops = n.tx_full.load(std::memory_order_relaxed) +
                                       n.tx_nombuf.load(std::memory_order_relaxed);
        w.begin_object()
            .field("name", v.ports[i]->name())
            .field("rx_packets", c.rx_packets)
            .field("rx_bytes", c.rx_bytes)
            .field("rx_drops", c.rx_drops + n.rx_nomem.load(std::memory_order_relaxed))
            .field("rx_errors", c.rx_errors)
            .field("tx_packets", c.tx_packets)
            .field("tx_bytes", c.tx_bytes)
            .field("tx_drops", tx_drops)
            .field("tx_errors", c.tx_errors)
            .end_object();
    }
    w.end_array();
    std::vector<worker_report> reports;
    for (const auto& wk : v.workers) reports.push_back(wk->report());
    w.begin_array("workers");
    for (const auto& r : reports) {
        w.begin_object()
            .field("lcore", r.lcore)
            .field("loops", r.loops)
            .field("busy_loops", r.busy_loops)
            .field("busy_ratio", ratio(r.busy_loops, r.loops))
            .field("rx_frames", r.rx_frames)
            .field("naps", r.naps);
        w.begin_array("rx_batch_hist");
        static const char* const k_buckets[] = {"1", "2-4", "5-8", "9-16", "17-32"};
        for (int b = 0; b < 5; ++b)
            w.begin_object().field("frames", k_buckets[b]).field("bursts", r.batch_hist[b]).end_object();
        w.end_array();
        w.end_object();
    }
    w.end_array();
    // Protocol counters and pools, summed over the workers' lwIP instances.
    w.begin_array("protocols");
    if (!reports.empty()) {
        for (std::size_t i = 0; i < reports[0].lwip.protocols.size(); ++i) {
            stack::proto_stats s = reports[0].lwip.protocols[i];
            for (std::size_t k = 1; k < reports.size(); ++k) {
                const auto& o = reports[k].lwip.protocols[i];
                s.xmit += o.xmit; s.recv += o.recv; s.fw += o.fw; s.drop += o.drop;
                s.chkerr += o.chkerr; s.lenerr += o.lenerr; s.memerr += o.memerr; s.rterr += o.rterr;
                s.proterr += o.proterr; s.opterr += o.opterr; s.err += o.err; s.cachehit += o.cachehit;
            }
            w.begin_object()
                .field("name", s.name).field("xmit", s.xmit).field("recv", s.recv)
                .field("fw", s.fw).field("drop", s.drop).field("chkerr", s.chkerr)
                .field("lenerr", s.lenerr).field("memerr", s.memerr).field("rterr", s.rterr)
                .field("proterr", s.proterr).field("opterr", s.opterr).field("err", s.err)
                .field("cachehit", s.cachehit)
                .end_object();
        }
    }
    w.end_array();
    w.begin_array("pools");
    write_mbuf_pool(w, v);
    if (!reports.empty()) {
        for (std::size_t i = 0; i < reports[0].lwip.pools.size(); ++i) {
            stack::pool_stats s = reports[0].lwip.pools[i];
            for (std::size_t k = 1; k < reports.size(); ++k) {
                const auto& o = reports[k].lwip.pools[i];
                s.available += o.available; s.used += o.used; s.max += o.max; s.errors += o.errors;
            }
            w.begin_object()
                .field("name", s.name).field("available", s.available).field("used", s.used)
                .field("max", s.max).field("errors", s.errors)
                .end_object();
        }
    }
    w.end_array();
    w.end_object();
    return w.str();
}

// Each attached app process, from the workers' last reports.
std::string apps_json(const daemon_view& v) {
    json_writer w;
    w.begin_object().begin_array("apps");
    for (const auto& wk : v.workers) {
        const auto r = wk->report();
        for (const auto& a : r.apps) {
            w.begin_object()
                .field("pid", static_cast<std::int64_t>(a.who.pid))
                .field("uid", static_cast<std::int64_t>(a.who.uid))
                .field("cmdline", a.who.cmdline)
                .field("session", a.who.id)
                .field("attached", static_cast<std::int64_t>(a.who.attached))
                .field("worker", std::uint64_t{r.lcore})
                .field("sockets", std::uint64_t{a.sockets})
                .field("segment_bytes", a.segment_bytes)
                .end_object();
        }
    }
    w.end_array().end_object();
    return w.str();
}

std::string admin_reply(const daemon_view& v, const std::string& request) {
    if (request == "status") return status_json(v);
    if (request == "stats") return stats_json(v);
    if (request == "apps") return apps_json(v);
    json_writer w;
    w.begin_object().field("error", "unknown request '" + request + "' (status, stats, apps)").end_object();
    return w.str();
}

}  // namespace shunt::daemon
