#include "tools/shuntctl/metrics.hpp"

#include <time.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <map>
#include <utility>
#include <vector>

namespace shunt::ctl {
namespace {

// Label values: backslash, double quote and newline escaped.
std::string escape(const std::string& v) {
    std::string o;
    for (char c : v) {
        if (c == '\\') o += "\\\\";
        else if (c == '"') o += "\\\"";
        else if (c == '\n') o += "\\n";
        else o += c;
    }
    return o;
}

std::string number(double v) {
    if (std::isnan(v)) return "NaN";
    char buf[64];
    if (v == std::floor(v) && std::fabs(v) < 1e15) std::snprintf(buf, sizeof buf, "%.0f", v);
    else std::snprintf(buf, sizeof buf, "%.9g", v);
    return buf;
}

// Families in first-seen order, each with its samples, so that every family
// is written once with its HELP and TYPE (the format forbids repeats).
class exposition {
public:
    void add(const std::string& name, const char* type, const char* help, double v,
             std::vector<std::pair<std::string, std::string>> labels = {}) {
        auto it = index_.find(name);
        if (it == index_.end()) {
            it = index_.emplace(name, families_.size()).first;
            families_.push_back({name, type, help, {}});
        }
        std::string line = name;
        if (!labels.empty()) {
            line += '{';
            for (std::size_t i = 0; i < labels.size(); ++i) {
                if (i) line += ',';
                line += labels[i].first + "=\"" + escape(labels[i].second) + '"';
            }
            line += '}';
        }
        families_[it->second].samples.push_back(line + ' ' + number(v));
    }
    std::string text() const {
        std::string o;
        for (const auto& f : families_) {
            o += "# HELP " + f.name + ' ' + f.help + '\n';
            o += "# TYPE " + f.name + ' ' + f.type + '\n';
            for (const auto& s : f.samples) o += s + '\n';
        }
        return o;
    }

private:
    struct family {
        std::string name, type, help;
        std::vector<std::string> samples;
    };
    std::vector<family> families_;
    std::map<std::string, std::size_t> index_;
};

double u(const json_value& v) { return static_cast<double>(v.u64()); }

}  // namespace

std::string prometheus_text(const json_value& status, const json_value& stats, const json_value& apps,
                            const json_value& sockets) {
    exposition e;
    e.add("shunt_info", "gauge", "shuntd's version and lwIP's (always 1).", 1,
          {{"version", status["version"].str()}, {"lwip", status["lwip"].str()}});
    e.add("shunt_uptime_seconds", "gauge", "Seconds since shuntd started.", status["uptime_s"].num());
    for (const auto& p : status["ports"].items()) {
        const std::string port = p["name"].str();
        e.add("shunt_port_link_up", "gauge", "1 when the port's link is up.", p["link_up"].boolean() ? 1 : 0,
              {{"port", port}, {"driver", p["driver"].str()}, {"address", p["address"].str()}});
        e.add("shunt_port_speed_mbps", "gauge", "The port's link speed in Mbit/s (0: unknown).", u(p["speed_mbps"]),
              {{"port", port}});
        e.add("shunt_port_mtu_bytes", "gauge", "The port's MTU.", u(p["mtu"]), {{"port", port}});
    }
    static const std::pair<const char*, const char*> k_port_counters[] = {
        {"rx_packets", "Packets received by the port."}, {"rx_bytes", "Bytes received by the port."},
        {"rx_drops", "Received packets dropped (no mbuf, queue full, no memory)."},
        {"rx_errors", "Receive errors reported by the port."}, {"tx_packets", "Packets sent by the port."},
        {"tx_bytes", "Bytes sent by the port."}, {"tx_drops", "Packets dropped before sending (ring full, no mbuf)."},
        {"tx_errors", "Transmit errors reported by the port."},
    };
    for (const auto& p : stats["ports"].items())
        for (const auto& [key, help] : k_port_counters)
            e.add(std::string("shunt_port_") + key + "_total", "counter", help, u(p[key]), {{"port", p["name"].str()}});
    static const std::pair<const char*, const char*> k_worker_counters[] = {
        {"loops", "Iterations of the worker's poll loop."},
        {"busy_loops", "Loop iterations that received frames or served commands."},
        {"rx_frames", "Frames the worker received."}, {"naps", "Times the idle worker slept."},
        {"slept_us", "Microseconds the idle worker slept."},
        {"run_us", "Microseconds the worker's loop has run, asleep or not."},
        {"wakes_app", "Sleeps ended by an app's wake message."},
        {"wakes_port", "Sleeps ended by the port's RX wake-up."},
        {"commands", "Command-ring entries (calls and doorbells) served."},
        {"sessions_failed", "App sessions ended for breaking the channel protocol."},
    };
    for (const auto& w : stats["workers"].items()) {
        const std::string lcore = std::to_string(w["lcore"].u64());
        for (const auto& [key, help] : k_worker_counters)
            e.add(std::string("shunt_worker_") + key + "_total", "counter", help, u(w[key]), {{"lcore", lcore}});
        e.add("shunt_worker_busy_ratio", "gauge", "Share of busy loop iterations since start (or reset).",
              w["busy_ratio"].num(), {{"lcore", lcore}});
    }
    static const std::pair<const char*, const char*> k_proto_counters[] = {
        {"xmit", "Packets sent by the protocol layer."}, {"recv", "Packets received by the protocol layer."},
        {"drop", "Packets dropped by the protocol layer."}, {"chkerr", "Checksum errors."},
        {"lenerr", "Invalid lengths."}, {"memerr", "Out-of-memory errors."}, {"rterr", "Routing errors."},
        {"proterr", "Protocol errors."}, {"opterr", "Option errors."}, {"err", "Other errors."},
    };
    for (const auto& p : stats["protocols"].items())
        for (const auto& [key, help] : k_proto_counters)
            e.add(std::string("shunt_lwip_") + key + "_total", "counter", help, u(p[key]), {{"proto", p["name"].str()}});
    static const std::pair<const char*, const char*> k_tcp[] = {
        {"retrans_segs", "TCP segments retransmitted (MIB-2 tcpRetransSegs)."},
        {"out_segs", "TCP segments sent."}, {"in_segs", "TCP segments received."},
        {"in_errs", "TCP segments received in error."}, {"active_opens", "TCP connections opened by connect()."},
        {"passive_opens", "TCP connections accepted."}, {"attempt_fails", "TCP connection attempts that failed."},
        {"estab_resets", "Established TCP connections reset."}, {"out_rsts", "TCP resets sent."},
    };
    for (const auto& [key, help] : k_tcp)
        e.add(std::string("shunt_tcp_") + key + "_total", "counter", help, u(stats["tcp"][key]));
    static const std::pair<const char*, const char*> k_udp[] = {
        {"in_datagrams", "UDP datagrams delivered to sockets."}, {"out_datagrams", "UDP datagrams sent."},
        {"no_ports", "UDP datagrams for a port no socket holds."}, {"in_errors", "UDP datagrams received in error."},
    };
    for (const auto& [key, help] : k_udp)
        e.add(std::string("shunt_udp_") + key + "_total", "counter", help, u(stats["udp"][key]));
    for (const auto& p : stats["pools"].items()) {
        const std::string pool = p["name"].str();
        e.add("shunt_pool_available", "gauge", "Entries (or heap bytes) available in the pool.", u(p["available"]),
              {{"pool", pool}});
        e.add("shunt_pool_used", "gauge", "Entries (or heap bytes) in use.", u(p["used"]), {{"pool", pool}});
        e.add("shunt_pool_max", "gauge", "Most entries (or heap bytes) ever in use (mbuf: the pool's size).",
              u(p["max"]), {{"pool", pool}});
        e.add("shunt_pool_errors_total", "counter", "Failed allocations from the pool.", u(p["errors"]),
              {{"pool", pool}});
    }
    e.add("shunt_apps", "gauge", "App processes attached.", static_cast<double>(apps["apps"].size()));
    for (const auto& a : apps["apps"].items()) {
        const std::vector<std::pair<std::string, std::string>> labels = {{"pid", std::to_string(a["pid"].u64())},
                                                                         {"uid", std::to_string(a["uid"].u64())}};
        e.add("shunt_app_sockets", "gauge", "Accelerated sockets of the app.", u(a["sockets"]), labels);
        e.add("shunt_app_segment_bytes", "gauge", "Resident bytes of the app's shared segment.",
              u(a["segment_bytes"]), labels);
        e.add("shunt_app_stack_bytes", "gauge",
              "lwIP heap bytes held for the app's TCP sockets (unread, unacknowledged).", u(a["stack_bytes"]),
              labels);
        e.add("shunt_app_stack_drops_total", "counter",
              "Segments dropped unacknowledged because the app was at its stack-memory budget.",
              u(a["stack_drops"]), labels);
        e.add("shunt_app_stack_stalls_total", "counter", "Sends stopped at the app's stack-memory budget.",
              u(a["stack_stalls"]), labels);
    }
    std::map<std::pair<std::string, std::string>, unsigned> by_state;
    for (const auto& s : sockets["sockets"].items()) ++by_state[{s["proto"].str(), s["state"].str()}];
    for (const auto& [key, n] : by_state)
        e.add("shunt_sockets", "gauge", "Accelerated sockets by protocol and state.", n,
              {{"proto", key.first}, {"state", key.second}});
    if (by_state.empty()) e.add("shunt_sockets", "gauge", "Accelerated sockets by protocol and state.", 0);
    return e.text();
}

namespace {

double now_s() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

std::string rate(double per_s) {
    char buf[32];
    if (per_s >= 1e9) std::snprintf(buf, sizeof buf, "%.2fG", per_s / 1e9);
    else if (per_s >= 1e6) std::snprintf(buf, sizeof buf, "%.2fM", per_s / 1e6);
    else if (per_s >= 1e3) std::snprintf(buf, sizeof buf, "%.1fk", per_s / 1e3);
    else std::snprintf(buf, sizeof buf, "%.0f", per_s);
    return buf;
}

// a's field minus b's (0 when b lacks it or the counter went back, e.g. reset).
double delta(const json_value& a, const json_value& b, const char* key) {
    const double x = u(a[key]), y = u(b[key]);
    return x >= y ? x - y : 0;
}

}  // namespace

int watch(const ask_fn& ask, double interval, long count, bool tty, const std::function<int(const error&)>& fail) {
    json_value prev;
    double prev_t = 0;
    for (long n = 0; count == 0 || n < count; ++n) {
        auto stats = ask("stats");
        if (!stats) return fail(stats.err());
        auto apps = ask("apps");
        if (!apps) return fail(apps.err());
        auto sockets = ask("sockets");
        if (!sockets) return fail(sockets.err());
        const double t = now_s();
        const double dt = prev_t ? t - prev_t : 0;
        std::string o;
        if (tty) o += "\033[H\033[2J";
        char head[128];
        const std::time_t wall = std::time(nullptr);
        std::tm tm{};
        localtime_r(&wall, &tm);
        std::strftime(head, sizeof head, "shuntctl watch  %H:%M:%S", &tm);
        o += std::string(head) + "  (every " + number(interval) + " s)\n\n";
        o += "PORT             RX-PKT/s   RX-B/s     TX-PKT/s   TX-B/s     RX-DROP  TX-DROP\n";
        for (std::size_t i = 0; i < (*stats)["ports"].size(); ++i) {
            const auto& p = (*stats)["ports"][i];
            const auto& q = prev["ports"][i];
            char line[256];
            std::snprintf(line, sizeof line, "%-16s %-10s %-10s %-10s %-10s %-8llu %llu\n", p["name"].str().c_str(),
                          dt ? rate(delta(p, q, "rx_packets") / dt).c_str() : "-",
                          dt ? rate(delta(p, q, "rx_bytes") / dt).c_str() : "-",
                          dt ? rate(delta(p, q, "tx_packets") / dt).c_str() : "-",
                          dt ? rate(delta(p, q, "tx_bytes") / dt).c_str() : "-",
                          static_cast<unsigned long long>(p["rx_drops"].u64()),
                          static_cast<unsigned long long>(p["tx_drops"].u64()));
            o += line;
        }
        o += "\nLCORE  LOOPS/s    BUSY    CMDS/s\n";
        for (std::size_t i = 0; i < (*stats)["workers"].size(); ++i) {
            const auto& w = (*stats)["workers"][i];
            const auto& q = prev["workers"][i];
            const double loops = delta(w, q, "loops"), busy = delta(w, q, "busy_loops");
            char line[160];
            std::snprintf(line, sizeof line, "%-6llu %-10s %5.1f%%  %s\n", static_cast<unsigned long long>(w["lcore"].u64()),
                          dt ? rate(loops / dt).c_str() : "-",
                          100.0 * (dt && loops ? busy / loops : w["busy_ratio"].num()),
                          dt ? rate(delta(w, q, "commands") / dt).c_str() : "-");
            o += line;
        }
        o += "\nPROTO  XMIT/s     RECV/s     DROP\n";
        for (std::size_t i = 0; i < (*stats)["protocols"].size(); ++i) {
            const auto& p = (*stats)["protocols"][i];
            if (p["name"].str() != "tcp" && p["name"].str() != "udp" && p["name"].str() != "ip") continue;
            const auto& q = prev["protocols"][i];
            char line[160];
            std::snprintf(line, sizeof line, "%-6s %-10s %-10s %llu\n", p["name"].str().c_str(),
                          dt ? rate(delta(p, q, "xmit") / dt).c_str() : "-",
                          dt ? rate(delta(p, q, "recv") / dt).c_str() : "-",
                          static_cast<unsigned long long>(p["drop"].u64()));
            o += line;
        }
        std::map<std::string, unsigned> states;
        for (const auto& s : (*sockets)["sockets"].items()) ++states[s["proto"].str() + " " + s["state"].str()];
        o += "\nAPPS " + std::to_string((*apps)["apps"].size()) + "   SOCKETS " +
             std::to_string((*sockets)["sockets"].size());
        for (const auto& [k, v] : states) o += "  " + k + ":" + std::to_string(v);
        o += "\n";
        std::fputs(o.c_str(), stdout);
        std::fflush(stdout);
        prev = std::move(*stats);
        prev_t = t;
        if (count && n + 1 >= count) break;
        const double whole = std::floor(interval);
        timespec ts{static_cast<time_t>(whole), static_cast<long>((interval - whole) * 1e9)};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
        }
    }
    return 0;
}

}  // namespace shunt::ctl
