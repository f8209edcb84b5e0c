// shuntctl: look inside a running shuntd through its admin socket.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "base/json_value.hpp"
#include "tools/shuntctl/admin_client.hpp"
#include "tools/shuntctl/render.hpp"

namespace {

constexpr int k_exit_error = 1;
constexpr int k_exit_usage = 2;
constexpr int k_exit_no_daemon = 3;
constexpr int k_exit_denied = 4;

const char* k_usage = R"(Usage: shuntctl [--socket PATH] COMMAND [--json]

Look inside a running shuntd through its admin socket.

Commands:
  status      version, uptime, ports (driver, MAC, link, speed, MTU, address),
              workers (lcore, loops, busy ratio) and packet memory
  stats       per-port packets/bytes/drops/errors, per-worker loops, busy
              ratio and RX batch sizes, lwIP protocol counters (link, etharp,
              ip_frag, ip, icmp, udp, tcp) and every memory pool's
              available/used/max/errors
  apps        each attached app process: pid, uid, sockets, segment memory,
              attach time, command line

Options:
  --socket PATH   admin socket (default: $SHUNT_ADMIN_SOCKET, else
                  /run/shunt/admin.sock; `shunt lab env` sets it for the lab)
  --json          print the daemon's JSON document instead of tables
  -h, --help      this text;  -V, --version  shuntctl's version

Exit status: 0 success, 1 daemon error, 2 usage, 3 shuntd not running,
4 access denied (the admin socket's owner/group/mode, see shuntd --help).
)";

int fail(const shunt::error& e) {
    std::fprintf(stderr, "shuntctl: %s\n", e.describe().c_str());
    if (e.code == ENOENT || e.code == ECONNREFUSED) return k_exit_no_daemon;
    if (e.code == EACCES) return k_exit_denied;
    return k_exit_error;
}

}  // namespace

int main(int argc, char** argv) {
    std::string socket_path = shunt::ctl::default_admin_path();
    std::string command;
    bool json = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "-h" || a == "--help") { std::fputs(k_usage, stdout); return 0; }
        if (a == "-V" || a == "--version") { std::printf("shuntctl %s\n", PACKAGE_VERSION); return 0; }
        if (a == "--json") { json = true; continue; }
        if (a == "--socket") {
            if (i + 1 >= argc) { std::fprintf(stderr, "shuntctl: --socket needs a path\n"); return k_exit_usage; }
            socket_path = argv[++i];
            continue;
        }
        if (a.rfind("--socket=", 0) == 0) { socket_path = a.substr(9); continue; }
        if (!a.empty() && a[0] == '-') {
            std::fprintf(stderr, "shuntctl: unknown option '%s'\nTry 'shuntctl --help'.\n", a.c_str());
            return k_exit_usage;
        }
        if (!command.empty()) {
            std::fprintf(stderr, "shuntctl: unexpected argument '%s'\nTry 'shuntctl --help'.\n", a.c_str());
            return k_exit_usage;
        }
        command = a;
    }
    if (command.empty()) { std::fputs(k_usage, stderr); return k_exit_usage; }
    if (command != "status" && command != "stats" && command != "apps") {
        std::fprintf(stderr, "shuntctl: unknown command '%s'\nTry 'shuntctl --help'.\n", command.c_str());
        return k_exit_usage;
    }
    auto reply = shunt::ctl::admin_request(socket_path, command);
    if (!reply) return fail(reply.err());
    auto doc = shunt::json_value::parse(*reply);
    if (!doc) return fail(shunt::make_error(EPROTO, "malformed reply from shuntd: " + doc.err().describe()));
    if (const auto& e = (*doc)["error"]; e.type() == shunt::json_value::kind::string) {
        const int code = e.str() == "permission denied" ? EACCES : EPROTO;
        return fail(shunt::make_error(code, "shuntd: " + e.str()));
    }
    if (json) {
        std::fputs(reply->c_str(), stdout);
        if (reply->back() != '\n') std::fputc('\n', stdout);
        return 0;
    }
    const std::string text = command == "status"  ? shunt::ctl::render_status(*doc)
                             : command == "stats" ? shunt::ctl::render_stats(*doc)
                                                  : shunt::ctl::render_apps(*doc);
    std::fputs(text.c_str(), stdout);
    return 0;
}
