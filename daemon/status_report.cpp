#include "daemon/status_report.hpp"

#include <arpa/inet.h>
#include <rte_mempool.h>
#include <unistd.h>

#include <cstdio>

#include "base/json_writer.hpp"
#include "daemon/cmdline_reader.hpp"
#include "base/printable.hpp"
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

mbuf_pool_stats mbuf_pool(const daemon_view& v) {
    mbuf_pool_stats m;
    m.available = rte_mempool_avail_count(v.mbuf_pool);
    m.used = rte_mempool_in_use_count(v.mbuf_pool);
    m.max = v.mbuf_pool->size;
    for (const auto& n : v.netifs) m.errors += n->counters().tx_nombuf.load(std::memory_order_relaxed);
    for (const auto& p : v.ports) m.errors += p->counters().rx_drops;  // includes rx_nombuf
    return m;
}

void write_mbuf_pool(json_writer& w, const mbuf_pool_stats& m) {
    w.begin_object()
        .field("name", "mbuf")
        .field("available", m.available)
        .field("used", m.used)
        .field("max", m.max)
        .field("errors", m.errors)
        .end_object();
}

std::string ipv4_port(std::uint32_t addr_be, std::uint16_t port_be) {
    return format_ipv4(ntohl(addr_be)) + ":" + std::to_string(ntohs(port_be));
}

// MIB-2 counters by name, for the JSON and for summing/subtracting.
template <typename F>
void for_each_mib2(stack::mib2_stats& m, F&& f) {
    f("active_opens", m.tcp_active_opens, true); f("passive_opens", m.tcp_passive_opens, true);
    f("attempt_fails", m.tcp_attempt_fails, true); f("estab_resets", m.tcp_estab_resets, true);
    f("out_segs", m.tcp_out_segs, true); f("retrans_segs", m.tcp_retrans_segs, true);
    f("in_segs", m.tcp_in_segs, true); f("in_errs", m.tcp_in_errs, true); f("out_rsts", m.tcp_out_rsts, true);
    f("in_datagrams", m.udp_in_datagrams, false); f("no_ports", m.udp_no_ports, false);
    f("in_errors", m.udp_in_errors, false); f("out_datagrams", m.udp_out_datagrams, false);
}

// Counters count from the last reset: now minus the baseline taken then.
// Gauges (available, used, max) are left as they are.
void subtract(stats_snapshot& now, const stats_snapshot& base) {
    for (std::size_t i = 0; i < now.ports.size() && i < base.ports.size(); ++i) {
        auto& p = now.ports[i];
        const auto& b = base.ports[i];
        p.rx_packets -= b.rx_packets; p.rx_bytes -= b.rx_bytes; p.rx_drops -= b.rx_drops; p.rx_errors -= b.rx_errors;
        p.tx_packets -= b.tx_packets; p.tx_bytes -= b.tx_bytes; p.tx_drops -= b.tx_drops; p.tx_errors -= b.tx_errors;
    }
    for (std::size_t i = 0; i < now.workers.size() && i < base.workers.size(); ++i) {
        auto& w = now.workers[i];
        const auto& b = base.workers[i];
        w.loops -= b.loops; w.busy_loops -= b.busy_loops; w.rx_frames -= b.rx_frames; w.naps -= b.naps;
        w.slept_us -= b.slept_us; w.run_us -= b.run_us; w.wakes_app -= b.wakes_app; w.wakes_port -= b.wakes_port;
        w.commands -= b.commands; w.sessions_failed -= b.sessions_failed;
        for (int k = 0; k < 5; ++k) w.batch_hist[k] -= b.batch_hist[k];
    }
    for (std::size_t i = 0; i < now.protocols.size() && i < base.protocols.size(); ++i) {
        auto& s = now.protocols[i];
        const auto& o = base.protocols[i];
        s.xmit -= o.xmit; s.recv -= o.recv; s.fw -= o.fw; s.drop -= o.drop;
        s.chkerr -= o.chkerr; s.lenerr -= o.lenerr; s.memerr -= o.memerr; s.rterr -= o.rterr;
        s.proterr -= o.proterr; s.opterr -= o.opterr; s.err -= o.err; s.cachehit -= o.cachehit;
    }
    for (std::size_t i = 0; i < now.pools.size() && i < base.pools.size(); ++i) now.pools[i].errors -= base.pools[i].errors;
    stack::mib2_stats b = base.mib2;
    std::vector<std::uint64_t> bv;
    for_each_mib2(b, [&bv](const char*, std::uint64_t& v, bool) { bv.push_back(v); });
    std::size_t k = 0;
    for_each_mib2(now.mib2, [&](const char*, std::uint64_t& v, bool) { v -= bv[k++]; });
    now.mbuf.errors -= base.mbuf.errors;
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
            .field("rx_wake", p.rx_wake_kind())
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
            .field("poll_mode", std::string(poll_mode_name(wk->mode())))
            .field("loops", r.loops)
            .field("busy_ratio", ratio(r.busy_loops, r.loops))
            .field("sleep_ratio", ratio(r.slept_us, r.run_us))
            .end_object();
    }
    w.end_array();
    w.begin_array("memory");
    write_mbuf_pool(w, mbuf_pool(v));
    w.end_array();
    w.end_object();
    return w.str();
}

stats_snapshot gather_stats(const daemon_view& v) {
    stats_snapshot snap;
    for (std::size_t i = 0; i < v.ports.size(); ++i) {
        const auto c = v.ports[i]->counters();
        const auto& n = v.netifs[i]->counters();
        port_stats p;
        p.name = v.ports[i]->name();
        p.rx_packets = c.rx_packets;
        p.rx_bytes = c.rx_bytes;
        p.rx_drops = c.rx_drops + n.rx_nomem.load(std::memory_order_relaxed) +
                     n.rx_runts.load(std::memory_order_relaxed) + n.rx_martians.load(std::memory_order_relaxed);
        // Frames the NIC found with a bad checksum (RX offload) are errors, as the kernel counts them.
        p.rx_errors = c.rx_errors + n.rx_csum_bad.load(std::memory_order_relaxed);
        p.tx_packets = c.tx_packets;
        p.tx_bytes = c.tx_bytes;
        p.tx_drops = n.tx_full.load(std::memory_order_relaxed) + n.tx_nombuf.load(std::memory_order_relaxed);
        p.tx_errors = c.tx_errors;
        snap.ports.push_back(std::move(p));
    }
    for (const auto& wk : v.workers) snap.workers.push_back(wk->report());
    // Protocol counters and pools, summed over the workers' lwIP instances.
    for (auto r : snap.workers) {
        std::vector<std::uint64_t> add;
        for_each_mib2(r.lwip.mib2, [&add](const char*, std::uint64_t& v, bool) { add.push_back(v); });
        std::size_t k = 0;
        for_each_mib2(snap.mib2, [&](const char*, std::uint64_t& v, bool) { v += add[k++]; });
        for (std::size_t i = 0; i < r.lwip.protocols.size(); ++i) {
            if (i >= snap.protocols.size()) {
                snap.protocols.push_back(r.lwip.protocols[i]);
                continue;
            }
            auto& s = snap.protocols[i];
            const auto& o = r.lwip.protocols[i];
            s.xmit += o.xmit; s.recv += o.recv; s.fw += o.fw; s.drop += o.drop;
            s.chkerr += o.chkerr; s.lenerr += o.lenerr; s.memerr += o.memerr; s.rterr += o.rterr;
            s.proterr += o.proterr; s.opterr += o.opterr; s.err += o.err; s.cachehit += o.cachehit;
        }
        for (std::size_t i = 0; i < r.lwip.pools.size(); ++i) {
            if (i >= snap.pools.size()) {
                snap.pools.push_back(r.lwip.pools[i]);
                continue;
            }
            auto& s = snap.pools[i];
            const auto& o = r.lwip.pools[i];
            s.available += o.available; s.used += o.used; s.max += o.max; s.errors += o.errors;
        }
    }
    snap.mbuf = mbuf_pool(v);
    return snap;
}

std::string stats_json(const daemon_view& v) {
    stats_snapshot snap = gather_stats(v);
    if (v.baseline && *v.baseline) subtract(snap, **v.baseline);
    json_writer w;
    w.begin_object();
    w.field("since_reset", v.baseline && *v.baseline);
    w.begin_array("ports");
    for (const auto& p : snap.ports) {
        w.begin_object()
            .field("name", p.name)
            .field("rx_packets", p.rx_packets)
            .field("rx_bytes", p.rx_bytes)
            .field("rx_drops", p.rx_drops)
            .field("rx_errors", p.rx_errors)
            .field("tx_packets", p.tx_packets)
            .field("tx_bytes", p.tx_bytes)
            .field("tx_drops", p.tx_drops)
            .field("tx_errors", p.tx_errors)
            .end_object();
    }
    w.end_array();
    w.begin_array("workers");
    for (const auto& r : snap.workers) {
        w.begin_object()
            .field("lcore", r.lcore)
            .field("loops", r.loops)
            .field("busy_loops", r.busy_loops)
            .field("busy_ratio", ratio(r.busy_loops, r.loops))
            .field("rx_frames", r.rx_frames)
            .field("naps", r.naps)
            .field("slept_us", r.slept_us)
            .field("run_us", r.run_us)
            .field("sleep_ratio", ratio(r.slept_us, r.run_us))
            .field("wakes_app", r.wakes_app)
            .field("wakes_port", r.wakes_port)
            .field("commands", r.commands)
            .field("sessions_failed", r.sessions_failed);
        w.begin_array("rx_batch_hist");
        static const char* const k_buckets[] = {"1", "2-4", "5-8", "9-16", "17-32"};
        for (int b = 0; b < 5; ++b)
            w.begin_object().field("frames", k_buckets[b]).field("bursts", r.batch_hist[b]).end_object();
        w.end_array();
        w.end_object();
    }
    w.end_array();
    w.begin_array("protocols");
    for (const auto& s : snap.protocols) {
        w.begin_object()
            .field("name", s.name).field("xmit", s.xmit).field("recv", s.recv)
            .field("fw", s.fw).field("drop", s.drop).field("chkerr", s.chkerr)
            .field("lenerr", s.lenerr).field("memerr", s.memerr).field("rterr", s.rterr)
            .field("proterr", s.proterr).field("opterr", s.opterr).field("err", s.err)
            .field("cachehit", s.cachehit)
            .end_object();
    }
    w.end_array();
    // lwIP's MIB-2 counters: tcp (retransmitted segments, opens, resets) and udp.
    w.begin_object("tcp");
    for_each_mib2(snap.mib2, [&w](const char* name, std::uint64_t& v, bool tcp) {
        if (tcp) w.field(name, v);
    });
    w.end_object();
    w.begin_object("udp");
    for_each_mib2(snap.mib2, [&w](const char* name, std::uint64_t& v, bool tcp) {
        if (!tcp) w.field(name, v);
    });
    w.end_object();
    w.begin_array("pools");
    write_mbuf_pool(w, snap.mbuf);
    for (const auto& s : snap.pools) {
        w.begin_object()
            .field("name", s.name).field("available", s.available).field("used", s.used)
            .field("max", s.max).field("errors", s.errors)
            .end_object();
    }
    w.end_array();
    w.end_object();
    return w.str();
}

// Every socket of every attached app, listed by the workers on request.
std::string sockets_json(const daemon_view& v) {
    json_writer w;
    w.begin_object().begin_array("sockets");
    bool complete = true;
    for (const auto& wk : v.workers) {
        auto list = wk->sockets(1000);
        if (!list) {
            complete = false;
            continue;
        }
        for (const auto& s : *list) {
            w.begin_object()
                .field("proto", s.proto)
                .field("state", s.state)
                .field("local", ipv4_port(s.local_addr, s.local_port))
                .field("peer", ipv4_port(s.peer_addr, s.peer_port))
                .field("rx_queue", s.rx_queue)
                .field("tx_queue", s.tx_queue)
                .field("pid", s.pid)
                .field("fd", static_cast<std::int64_t>(s.fd))
                .field("retrans", std::uint64_t{s.retrans})
                .field("rtt_ms", std::uint64_t{s.rtt_ms})
                .field("rto_ms", std::uint64_t{s.rto_ms})
                .field("cwnd", std::uint64_t{s.cwnd})
                .field("snd_wnd", std::uint64_t{s.snd_wnd})
                .field("drops", s.drops)
                .end_object();
        }
    }
    w.end_array();
    w.field("complete", complete);  // false: a worker did not answer in time
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
                .field("cmdline", cmdline_reader::get(a.who.id))
                .field("session", a.who.id)
                .field("attached", static_cast<std::int64_t>(a.who.attached))
                .field("worker", std::uint64_t{r.lcore})
                .field("sockets", std::uint64_t{a.sockets})
                .field("segment_bytes", a.segment_bytes)
                .field("syscall_hook", a.syscall_hook)
                .field("syscall_sites_patched", std::uint64_t{a.syscall_patched})
                .field("syscall_sites_skipped", std::uint64_t{a.syscall_skipped})
                .field("rx_clears_by_worker", a.rx_clears)
                .field("stack_bytes", a.stack_bytes)
                .field("stack_limit", a.stack_limit)
                .field("stack_drops", a.stack_drops)
                .field("stack_stalls", a.stack_stalls)
                .field("user_stack_bytes", a.user_stack_bytes)
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
    if (request == "sockets") return sockets_json(v);
    if (request == "reset") {
        if (v.baseline) *v.baseline = gather_stats(v);
        json_writer w;
        w.begin_object().field("reset", v.baseline != nullptr).end_object();
        return w.str();
    }
    // The request echoed as printable ASCII: a reply is JSON, so UTF-8
    // (RFC 8259), whatever bytes the client sent (found by tests/fuzz/fuzz_admin).
    json_writer w;
    w.begin_object()
        .field("error", "unknown request '" + printable(request) + "' (status, stats, apps, sockets, reset)")
        .end_object();
    return w.str();
}

}  // namespace shunt::daemon
