// shuntctl: look inside a running shuntd through its admin socket.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "base/json_value.hpp"
#include "tools/shuntctl/admin_client.hpp"
#include "tools/shuntctl/capture.hpp"
#include "tools/shuntctl/metrics.hpp"
#include "tools/shuntctl/render.hpp"

namespace {

using shunt::json_value;

constexpr int k_exit_error = 1;
constexpr int k_exit_usage = 2;
constexpr int k_exit_no_daemon = 3;
constexpr int k_exit_denied = 4;

const char* k_usage = R"(Usage: shuntctl [--socket PATH] COMMAND [OPTIONS]

Look inside a running shuntd through its admin socket.

Commands:
  status      version, uptime, ports (driver, MAC, link, speed, MTU, address),
              workers (lcore, loops, busy ratio) and packet memory
  stats       per-port packets/bytes/drops/errors, per-worker loops, busy
              ratio and RX batch sizes, lwIP protocol counters (link, etharp,
              ip_frag, ip, icmp, udp, tcp) and every memory pool's
              available/used/max/errors; --reset starts the counters at zero
  apps        each attached app process: pid, uid, sockets, segment memory,
              attach time, command line
  sockets     every accelerated socket, like ss -tuanp: protocol, state,
              addresses, queues, pid/fd, retransmissions, RTT
  metrics     everything above in the Prometheus text format
  watch       a live view refreshed every second
  capture     the packets a port sends and receives, as pcap (tcpdump -r
              reads it) or one line each, with tcpdump's filters

'shuntctl COMMAND --help' describes each command and its options.

Options:
  --socket PATH   admin socket (default: $SHUNT_ADMIN_SOCKET; else the
                  system shuntd's, /run/shunt/admin.sock, when it runs;
                  else the one lab's whose shuntd runs, under
                  $SHUNT_LAB_RUN_DIR or /run/shunt-lab; several: an error)
  --json          print the daemon's JSON document instead of tables
  -h, --help      this text;  -V, --version  shuntctl's version

Exit status: 0 success, 1 daemon error, 2 usage, 3 shuntd not running,
4 access denied (the admin socket's owner/group/mode, see shuntd --help).
See shuntctl(1).
)";

struct command_help {
    const char* name;
    const char* text;
};

const command_help k_help[] = {
    {"status", R"(Usage: shuntctl status [--json]

What runs: shuntd's version, lwIP's version, pid, uptime and whether it runs
on hugepages; each port (DPDK driver, MAC, link, speed, MTU, address/prefix,
gateway); each worker (lcore, loops, busy ratio); the mbuf pool.
)"},
    {"stats", R"(Usage: shuntctl stats [--json] [--reset]

Counters: per port rx/tx packets, bytes, drops, errors; per worker loops,
busy loops and ratio, RX frames, naps (sleeps), time asleep, wake-ups by apps and by the port, commands served, sessions failed and
RX burst sizes; lwIP's protocol counters (link, etharp, ip_frag, ip, icmp,
udp, tcp: xmit, recv, drop, checksum/length/memory/routing/protocol errors);
every memory pool (mbuf, lwIP's heap and each memp pool) with available,
used, max and errors.

  --reset   start every counter at zero (gauges such as available/used/max
            are not counters and stay); later `stats` count from the reset
)"},
    {"apps", R"(Usage: shuntctl apps [--json]

Each attached app process: pid, uid, number of sockets, segment memory in
use (resident), when it attached, its command line.
)"},
    {"sockets", R"(Usage: shuntctl sockets [--json] [--state STATE] [--port PORT] [--pid PID] [--proto tcp|udp]

Every accelerated socket of every attached app, as ss -tuanp shows the
kernel's: protocol, state (LISTEN, ESTAB, SYN-SENT, SYN-RECV, FIN-WAIT-1,
FIN-WAIT-2, CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT, CLOSED; UNCONN for an
unconnected UDP socket), local and peer address, receive queue (bytes not yet
read by the app; for a listener, connections waiting in accept) and send
queue (bytes not yet acknowledged; for a listener, its backlog), the app's
pid and fd, retransmissions of the oldest unacknowledged segment, lwIP's
smoothed RTT (500 ms granularity) and RTO, UDP receive drops. A socket the
app closed that still drains shows fd -1.

  --state STATE   only sockets in STATE (e.g. ESTAB, LISTEN)
  --port PORT     only sockets whose local or peer port is PORT
  --pid PID       only sockets of process PID
  --proto P       only tcp or only udp
)"},
    {"metrics", R"(Usage: shuntctl metrics

Prints every figure of status, stats, apps and sockets in the Prometheus
text exposition format (# HELP and # TYPE lines, metric names prefixed
shunt_, counters suffixed _total), for a node exporter textfile collector
or a scrape through a small wrapper, e.g.:

  shuntctl metrics > /var/lib/prometheus/node-exporter/shunt.prom.$$ &&
      mv /var/lib/prometheus/node-exporter/shunt.prom.$$ /var/lib/prometheus/node-exporter/shunt.prom
)"},
    {"capture", R"(Usage: shuntctl capture [-i PORT] [-w FILE] [-c COUNT] [-s SNAPLEN] [FILTER...]

The frames a shuntd port sends and receives (the accelerated traffic, as the
port saw it), like onload_tcpdump for Onload. Without -w, one line per packet
(time, addresses and ports, TCP flags, length); with -w FILE a pcap file
(nanosecond timestamps) that tcpdump -r and tshark read; -w - streams it to
stdout (e.g. | tcpdump -r -). Runs until interrupted (Ctrl-C) or COUNT
packets matched, then prints how many were captured on stderr.

  -i PORT      the port's name or index (default: the first)
  -w FILE      write pcap to FILE ('-': stdout)
  -c COUNT     stop after COUNT matching packets
  -s SNAPLEN   bytes kept of each packet (64 to 262144, default 262144)
  FILTER       a tcpdump filter expression (pcap-filter(7)), e.g. 'tcp port 80'

One capture runs at a time. Frames the reader is too slow for are dropped
from the capture (shuntd logs how many), never from the traffic.
)"},
    {"watch", R"(Usage: shuntctl watch [--interval SECONDS] [--count N]

A live view, refreshed every interval (default 1 s): per-port packet and
byte rates, per-worker busy ratio and loop rate, TCP/UDP segment rates,
attached apps and sockets by state. --count N stops after N refreshes (for
scripts); otherwise it runs until interrupted.
)"},
};

const char* help_for(const std::string& cmd) {
    for (const auto& h : k_help)
        if (cmd == h.name) return h.text;
    return nullptr;
}

int fail(const shunt::error& e) {
    std::fprintf(stderr, "shuntctl: %s\n", e.describe().c_str());
    if (e.code == ENOENT || e.code == ECONNREFUSED) return k_exit_no_daemon;
    if (e.code == EACCES) return k_exit_denied;
    return k_exit_error;
}

int usage_error(const std::string& msg, const std::string& cmd = "") {
    std::fprintf(stderr, "shuntctl: %s\nTry 'shuntctl %s--help'.\n", msg.c_str(), cmd.empty() ? "" : (cmd + " ").c_str());
    return k_exit_usage;
}

// One request to the daemon, parsed; an error reply becomes an error.
shunt::result<json_value> ask(const std::string& socket_path, const std::string& request, std::string* raw = nullptr) {
    auto reply = shunt::ctl::admin_request(socket_path, request);
    if (!reply) return reply.err();
    auto doc = json_value::parse(*reply);
    if (!doc) return shunt::make_error(EPROTO, "malformed reply from shuntd: " + doc.err().describe());
    if (const auto& e = (*doc)["error"]; e.type() == json_value::kind::string) {
        const int code = e.str() == "permission denied" ? EACCES : EPROTO;
        return shunt::make_error(code, "shuntd: " + e.str());
    }
    if (raw) *raw = *reply;
    return std::move(*doc);
}

bool parse_number(const std::string& s, long min, long max, long* out) {
    char* end = nullptr;
    errno = 0;
    const long v = std::strtol(s.c_str(), &end, 10);
    if (s.empty() || *end || errno || v < min || v > max) return false;
    *out = v;
    return true;
}

bool parse_seconds(const std::string& s, double* out) {
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (s.empty() || *end || !(v >= 0.1 && v <= 3600)) return false;
    *out = v;
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    std::string socket_path;  // --socket, else found once the arguments are read
    std::string command;
    bool json = false, reset = false, want_help = false;
    shunt::ctl::socket_filter filter;
    double interval = 1.0;
    long count = 0;
    shunt::ctl::capture_options cap;
    std::vector<std::string> positional;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        // An option's value: the next argument, or what follows '='.
        auto value = [&](const char* opt, std::string* out) -> bool {
            const std::string prefix = std::string(opt) + "=";
            if (a.rfind(prefix, 0) == 0) {
                *out = a.substr(prefix.size());
                return true;
            }
            if (a != opt) return false;
            if (i + 1 >= argc) {
                *out = "\x01";  // marks a missing value
                return true;
            }
            *out = argv[++i];
            return true;
        };
        std::string v;
        if (a == "-h" || a == "--help") { want_help = true; continue; }
        if (a == "-V" || a == "--version") { std::printf("shuntctl %s\n", PACKAGE_VERSION); return 0; }
        if (a == "--json") { json = true; continue; }
        if (a == "--reset") { reset = true; continue; }
        if (value("--socket", &v)) {
            if (v == "\x01") return usage_error("--socket needs a path");
            socket_path = v;
            continue;
        }
        if (value("--state", &v)) {
            if (v == "\x01") return usage_error("--state needs a state", command);
            filter.state = v;
            continue;
        }
        if (value("--proto", &v)) {
            if (v != "tcp" && v != "udp") return usage_error("--proto takes tcp or udp", command);
            filter.proto = v;
            continue;
        }
        if (value("--port", &v)) {
            long n;
            if (!parse_number(v, 1, 65535, &n)) return usage_error("--port takes a port number (1-65535)", command);
            filter.port = static_cast<int>(n);
            continue;
        }
        if (value("--pid", &v)) {
            long n;
            if (!parse_number(v, 1, 1L << 30, &n)) return usage_error("--pid takes a process id", command);
            filter.pid = n;
            continue;
        }
        if (value("--interval", &v)) {
            if (!parse_seconds(v, &interval)) return usage_error("--interval takes seconds (0.1 to 3600)", command);
            continue;
        }
        if (value("--count", &v)) {
            if (!parse_number(v, 1, 1L << 30, &count)) return usage_error("--count takes a positive number", command);
            continue;
        }
        if (command == "capture") {  // tcpdump's short options, then the filter
            if (value("-i", &v)) {
                if (v == "\x01") return usage_error("-i needs a port", command);
                cap.port = v;
                continue;
            }
            if (value("-w", &v)) {
                if (v == "\x01") return usage_error("-w needs a file ('-' for stdout)", command);
                cap.write_to = v;
                continue;
            }
            if (value("-c", &v)) {
                if (!parse_number(v, 1, 1L << 40, &cap.count)) return usage_error("-c takes a positive count", command);
                continue;
            }
            if (value("-s", &v)) {
                long n;
                if (!parse_number(v, 64, 262144, &n)) return usage_error("-s takes 64 to 262144", command);
                cap.snaplen = static_cast<unsigned>(n);
                continue;
            }
        }
        if (!a.empty() && a[0] == '-') return usage_error("unknown option '" + a + "'", command);
        if (!command.empty()) {
            if (command != "capture") return usage_error("unexpected argument '" + a + "'", command);
            positional.push_back(a);
            continue;
        }
        command = a;
    }
    if (want_help) {
        if (command.empty()) {
            std::fputs(k_usage, stdout);
            return 0;
        }
        if (const char* h = help_for(command)) {
            std::fputs(h, stdout);
            return 0;
        }
        return usage_error("unknown command '" + command + "'");
    }
    if (command.empty()) {
        std::fputs(k_usage, stderr);
        return k_exit_usage;
    }
    if (!help_for(command)) return usage_error("unknown command '" + command + "'");
    // Options that belong to one command only.
    if (reset && command != "stats") return usage_error("--reset belongs to 'stats'", command);
    if ((filter.state.size() || filter.proto.size() || filter.port || filter.pid) && command != "sockets")
        return usage_error("--state/--port/--pid/--proto belong to 'sockets'", command);
    if (json && (command == "metrics" || command == "watch" || command == "capture"))
        return usage_error("'" + command + "' has no JSON form", command);
    if (socket_path.empty()) {
        auto found = shunt::ctl::default_admin_path();
        if (!found) return usage_error(found.err().describe());
        socket_path = *found;
    }

    if (command == "metrics") {
        std::vector<json_value> docs;
        for (const char* req : {"status", "stats", "apps", "sockets"}) {
            auto d = ask(socket_path, req);
            if (!d) return fail(d.err());
            docs.push_back(std::move(*d));
        }
        std::fputs(shunt::ctl::prometheus_text(docs[0], docs[1], docs[2], docs[3]).c_str(), stdout);
        return 0;
    }
    if (command == "capture") {
        for (const auto& p : positional) cap.filter += (cap.filter.empty() ? "" : " ") + p;
        return shunt::ctl::capture(socket_path, cap, [](const shunt::error& e) { return fail(e); });
    }
    if (command == "watch") {
        return shunt::ctl::watch(
            [&socket_path](const std::string& req) { return ask(socket_path, req); }, interval, count, isatty(1),
            [](const shunt::error& e) { return fail(e); });
    }
    if (reset) {
        auto r = ask(socket_path, "reset");
        if (!r) return fail(r.err());
        if (!json) {
            std::puts("shuntctl: counters reset");
            return 0;
        }
    }
    std::string raw;
    auto doc = ask(socket_path, command, &raw);
    if (!doc) return fail(doc.err());
    if (command == "sockets" && !(*doc)["complete"].boolean(true))
        std::fprintf(stderr, "shuntctl: a worker did not answer in time; the list is incomplete\n");
    if (json) {
        if (command == "sockets") {
            std::puts(shunt::ctl::filter_sockets_json(*doc, filter).c_str());
            return 0;
        }
        std::fputs(raw.c_str(), stdout);
        if (raw.back() != '\n') std::fputc('\n', stdout);
        return 0;
    }
    const std::string text = command == "status"    ? shunt::ctl::render_status(*doc)
                             : command == "stats"   ? shunt::ctl::render_stats(*doc)
                             : command == "sockets" ? shunt::ctl::render_sockets(*doc, filter)
                                                    : shunt::ctl::render_apps(*doc);
    std::fputs(text.c_str(), stdout);
    return 0;
}
