#include "tools/shuntctl/render.hpp"

#include <cstdarg>
#include <cstdlib>
#include <cstdio>
#include <ctime>

#include "base/json_writer.hpp"

namespace shunt::ctl {
namespace {

std::string fmt(const char* f, ...) __attribute__((format(printf, 1, 2)));
std::string fmt(const char* f, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, f);
    std::vsnprintf(buf, sizeof buf, f, ap);
    va_end(ap);
    return buf;
}

std::string duration(double s) {
    const auto t = static_cast<unsigned long>(s);
    return fmt("%lud %02lu:%02lu:%02lu", t / 86400, t / 3600 % 24, t / 60 % 60, t % 60);
}

}  // namespace

std::string render_status(const json_value& s) {
    std::string o;
    o += fmt("shuntd %s (lwIP %s), pid %llu, up %s, %s\n", s["version"].str().c_str(),
             s["lwip"].str().c_str(), static_cast<unsigned long long>(s["pid"].u64()),
             duration(s["uptime_s"].num()).c_str(), s["hugepages"].boolean() ? "hugepages" : "no hugepages");
    o += "\nPORT             DRIVER           MAC                LINK  SPEED   MTU   RX-WAKE    ADDRESS\n";
    for (const auto& p : s["ports"].items()) {
        std::string addr = p["address"].str() + "/" + std::to_string(p["prefix_len"].u64());
        if (!p["gateway"].str().empty()) addr += " via " + p["gateway"].str();
        o += fmt("%-16s %-16s %-18s %-5s %-7s %-5llu %-10s %s\n", p["name"].str().c_str(), p["driver"].str().c_str(),
                 p["mac"].str().c_str(), p["link_up"].boolean() ? "up" : "down",
                 p["speed_mbps"].u64() ? (std::to_string(p["speed_mbps"].u64()) + "M").c_str() : "-",
                 static_cast<unsigned long long>(p["mtu"].u64()), p["rx_wake"].str().c_str(), addr.c_str());
    }
    o += "\nWORKER  LCORE  POLL-MODE  LOOPS            BUSY    ASLEEP\n";
    std::size_t i = 0;
    for (const auto& w : s["workers"].items())
        o += fmt("%-7zu %-6llu %-10s %-16llu %5.1f%%  %5.1f%%\n", i++, static_cast<unsigned long long>(w["lcore"].u64()),
                 w["poll_mode"].str().c_str(), static_cast<unsigned long long>(w["loops"].u64()),
                 100.0 * w["busy_ratio"].num(), 100.0 * w["sleep_ratio"].num());
    o += "\nMEMORY   AVAILABLE  USED       MAX        ERRORS\n";
    for (const auto& m : s["memory"].items())
        o += fmt("%-8s %-10llu %-10llu %-10llu %llu\n", m["name"].str().c_str(),
                 static_cast<unsigned long long>(m["available"].u64()),
                 static_cast<unsigned long long>(m["used"].u64()),
                 static_cast<unsigned long long>(m["max"].u64()),
                 static_cast<unsigned long long>(m["errors"].u64()));
    return o;
}

std::string render_stats(const json_value& s) {
    std::string o;
    using ull = unsigned long long;
    o += "PORT             RX-PKTS      RX-BYTES       RX-DROP  RX-ERR   TX-PKTS      TX-BYTES       TX-DROP  TX-ERR\n";
    for (const auto& p : s["ports"].items())
        o += fmt("%-16s %-12llu %-14llu %-8llu %-8llu %-12llu %-14llu %-8llu %llu\n", p["name"].str().c_str(),
                 ull(p["rx_packets"].u64()), ull(p["rx_bytes"].u64()), ull(p["rx_drops"].u64()),
                 ull(p["rx_errors"].u64()), ull(p["tx_packets"].u64()), ull(p["tx_bytes"].u64()),
                 ull(p["tx_drops"].u64()), ull(p["tx_errors"].u64()));
    o += "\nWORKER LCORE  LOOPS          BUSY    RX-FRAMES    NAPS         ASLEEP  WAKES(APP/PORT) BURSTS(1/2-4/5-8/9-16/17-32)\n";
    for (const auto& w : s["workers"].items()) {
        std::string hist;
        for (const auto& b : w["rx_batch_hist"].items()) hist += (hist.empty() ? "" : "/") + std::to_string(b["bursts"].u64());
        const std::string wakes = std::to_string(w["wakes_app"].u64()) + "/" + std::to_string(w["wakes_port"].u64());
        o += fmt("%-6s %-6llu %-14llu %5.1f%%  %-12llu %-12llu %5.1f%%  %-15s %s\n", "", ull(w["lcore"].u64()),
                 ull(w["loops"].u64()), 100.0 * w["busy_ratio"].num(), ull(w["rx_frames"].u64()), ull(w["naps"].u64()),
                 100.0 * w["sleep_ratio"].num(), wakes.c_str(), hist.c_str());
    }
    o += "\nPROTO    XMIT         RECV         DROP       CHKERR   LENERR   MEMERR   RTERR    PROTERR  ERR\n";
    for (const auto& p : s["protocols"].items())
        o += fmt("%-8s %-12llu %-12llu %-10llu %-8llu %-8llu %-8llu %-8llu %-8llu %llu\n", p["name"].str().c_str(),
                 ull(p["xmit"].u64()), ull(p["recv"].u64()), ull(p["drop"].u64()), ull(p["chkerr"].u64()),
                 ull(p["lenerr"].u64()), ull(p["memerr"].u64()), ull(p["rterr"].u64()), ull(p["proterr"].u64()),
                 ull(p["err"].u64()));
    const auto& t = s["tcp"];
    const auto& u = s["udp"];
    o += fmt("\nTCP  retransmitted %llu of %llu segments sent, %llu received (%llu bad); opens %llu active, %llu "
             "passive, %llu failed; resets %llu sent, %llu of established\n",
             ull(t["retrans_segs"].u64()), ull(t["out_segs"].u64()), ull(t["in_segs"].u64()), ull(t["in_errs"].u64()),
             ull(t["active_opens"].u64()), ull(t["passive_opens"].u64()), ull(t["attempt_fails"].u64()),
             ull(t["out_rsts"].u64()), ull(t["estab_resets"].u64()));
    o += fmt("UDP  datagrams %llu received, %llu sent; %llu to no socket, %llu bad\n", ull(u["in_datagrams"].u64()),
             ull(u["out_datagrams"].u64()), ull(u["no_ports"].u64()), ull(u["in_errors"].u64()));
    o += "\nPOOL             AVAILABLE    USED       MAX        ERRORS\n";
    for (const auto& p : s["pools"].items())
        o += fmt("%-16s %-12llu %-10llu %-10llu %llu\n", p["name"].str().c_str(), ull(p["available"].u64()),
                 ull(p["used"].u64()), ull(p["max"].u64()), ull(p["errors"].u64()));
    return o;
}

std::string render_apps(const json_value& a) {
    std::string o = "PID      UID    SOCKETS  SEGMENT-KB  STACK-KB  SYSCALL-HOOK  ATTACHED             COMMAND\n";
    for (const auto& p : a["apps"].items()) {
        const std::time_t t = static_cast<std::time_t>(p["attached"].u64());
        char when[32] = "-";
        if (std::tm tm{}; localtime_r(&t, &tm)) std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
        const std::string hook = p["syscall_hook"].boolean()
                                     ? std::to_string(p["syscall_sites_patched"].u64()) + " patched"
                                     : std::string("off");
        o += fmt("%-8llu %-6llu %-8llu %-11llu %-9llu %-13s %-20s %s\n", static_cast<unsigned long long>(p["pid"].u64()),
                 static_cast<unsigned long long>(p["uid"].u64()), static_cast<unsigned long long>(p["sockets"].u64()),
                 static_cast<unsigned long long>(p["segment_bytes"].u64() / 1024),
                 static_cast<unsigned long long>(p["stack_bytes"].u64() / 1024), hook.c_str(), when,
                 p["cmdline"].str().c_str());
    }
    if (a["apps"].size() == 0) o += "(no app attached)\n";
    return o;
}

namespace {

int port_of(const std::string& addr) {
    const auto colon = addr.rfind(':');
    return colon == std::string::npos ? 0 : std::atoi(addr.c_str() + colon + 1);
}

}  // namespace

bool socket_filter::matches(const json_value& s) const {
    if (!state.empty() && s["state"].str() != state) return false;
    if (!proto.empty() && s["proto"].str() != proto) return false;
    if (port && port_of(s["local"].str()) != port && port_of(s["peer"].str()) != port) return false;
    if (pid && static_cast<long>(s["pid"].num()) != pid) return false;
    return true;
}

std::string render_sockets(const json_value& d, const socket_filter& f) {
    using ull = unsigned long long;
    std::string o = fmt("%-5s %-11s %-9s %-9s %-21s %-21s %-14s %s\n", "PROTO", "STATE", "RECV-Q", "SEND-Q",
                        "LOCAL", "PEER", "PROCESS", "INFO");
    std::size_t shown = 0;
    for (const auto& s : d["sockets"].items()) {
        if (!f.matches(s)) continue;
        ++shown;
        const long fd = static_cast<long>(s["fd"].num(-1));
        const std::string proc = "pid=" + std::to_string(s["pid"].u64()) + ",fd=" + (fd >= 0 ? std::to_string(fd) : "-");
        std::string info;
        if (s["proto"].str() == "tcp") {
            if (s["state"].str() != "LISTEN")
                info = fmt("rtt:%llums rto:%llums retrans:%llu cwnd:%llu", ull(s["rtt_ms"].u64()), ull(s["rto_ms"].u64()),
                           ull(s["retrans"].u64()), ull(s["cwnd"].u64()));
        } else if (s["drops"].u64()) {
            info = fmt("drops:%llu", ull(s["drops"].u64()));
        }
        o += fmt("%-5s %-11s %-9llu %-9llu %-21s %-21s %-14s %s\n", s["proto"].str().c_str(), s["state"].str().c_str(),
                 ull(s["rx_queue"].u64()), ull(s["tx_queue"].u64()), s["local"].str().c_str(), s["peer"].str().c_str(),
                 proc.c_str(), info.c_str());
    }
    if (shown == 0) o += "(no socket)\n";
    return o;
}

std::string filter_sockets_json(const json_value& d, const socket_filter& f) {
    json_writer w;
    w.begin_object().begin_array("sockets");
    for (const auto& s : d["sockets"].items()) {
        if (!f.matches(s)) continue;
        w.begin_object();
        for (const auto& [key, v] : s.members()) {
            switch (v.type()) {
                case json_value::kind::string: w.field(key, v.str()); break;
                case json_value::kind::boolean: w.field(key, v.boolean()); break;
                case json_value::kind::number:
                    if (v.num() < 0) w.field(key, static_cast<std::int64_t>(v.num()));
                    else w.field(key, v.u64());
                    break;
                default: break;
            }
        }
        w.end_object();
    }
    w.end_array();
    w.field("complete", d["complete"].boolean(true));
    w.end_object();
    return w.str();
}

}  // namespace shunt::ctl
