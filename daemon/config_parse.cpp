#include "daemon/config_parse.hpp"

#include <fstream>
#include <set>
#include <sstream>

namespace shunt::daemon {
namespace {

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos) return {};
    const auto e = s.find_last_not_of(" \t\r");
    return s.substr(b, e - b + 1);
}

// Flags that take no value.
const std::set<std::string> k_switches = {"help", "version", "check"};

}  // namespace

const char* usage_text() {
    return R"(Usage: shuntd [OPTIONS]

shuntd runs lwIP on DPDK worker lcores and serves the sockets of programs run
under libshunt.so (`shunt run -- CMD`). Options are read from a configuration
file first (--config), then from the command line; every option NAME VALUE is
also a `NAME = VALUE` line in the file. Invalid settings are reported with the
option (and file line) and exit code 2, before DPDK starts.

Ports (repeat --port for more; --addr, --gateway and --mtu apply to the last):
  --port DEVARGS         DPDK device: net_af_xdp0,iface=IF  net_af_packet0,iface=IF
                         or a PCI address such as 0000:03:00.0
  --addr A.B.C.D/N       IPv4 address and prefix length of the port
  --gateway A.B.C.D      default gateway reached through the port
  --mtu N                MTU, 576..9000 (default 1500)

Engine:
  --workers N            worker lcores, each running one lwIP instance (default 1)
  --mbufs N              mbufs in the packet pool (default 16384)
  --socket-buffer BYTES  send and receive ring of each app socket, rounded up to a
                         power of two (default 262144)
  --app-sockets N        accelerated sockets per app process; beyond: EMFILE (default 16384)
  --app-memory MB        socket-ring memory one app may use at once; beyond:
                         ENOBUFS (default 0: no cap)
  --app-stack-memory MB  lwIP memory one app's TCP sockets may hold (received
                         bytes not yet in their rings, sent bytes not yet
                         acknowledged); beyond, their segments are dropped
                         and their sends wait (default 64; 0: no cap)
  --user-stack-memory MB the same for all of one user's apps (default 128)
  --max-apps N           app processes attached at once (default 256)
  --max-apps-per-user N  of them, one user's (root's are not counted) (default 64)
  --poll-mode MODE       busy (poll without pause), interrupt (sleep when idle
                         until an app, the port or a timer wakes the worker) or
                         adaptive (as interrupt; on a port that cannot wake the
                         worker, idle naps that grow to 1 ms) (default adaptive)
  --idle-sleep US        first idle nap in adaptive mode on a port that cannot
                         wake the worker; 0 means --poll-mode busy (default 20)
  --huge auto|yes|no     use hugepages (yes), DPDK --no-huge memory (no), or
                         hugepages when reserved (auto, the default)
  --memory MB            memory for --huge no (default 512)
  --file-prefix NAME     DPDK runtime prefix, lets several daemons coexist (default shunt)

Sockets:
  --control PATH         control socket apps attach to (default /run/shunt/control.sock)
  --admin PATH           admin socket shuntctl talks to (default /run/shunt/admin.sock)
  --socket-owner USER    owner of the control socket: who may attach apps
                         (default: the daemon's user; with neither this nor
                         --socket-group, any user --control-mode lets in)
  --socket-group GROUP   group of the control socket (default: the daemon's group)
  --admin-owner USER     owner of the admin socket: who may use shuntctl, capture
                         included (default: the daemon's user; root always may)
  --admin-group GROUP    group of the admin socket (default: the daemon's group)
  --control-mode MODE    octal mode of the control socket (default 0666)
  --admin-mode MODE      octal mode of the admin socket (default 0660)

Logging:
  --log-level LEVEL      error, warn, info (default) or debug
  --log DEST             stderr (default), syslog, or an absolute file path

Other:
  -c, --config FILE      read settings from FILE (format: docs/shuntd.md, example: docs/shuntd.conf)
  --check                validate the configuration and exit (0 valid, 2 invalid)
  -h, --help             this text
  -V, --version          version, lwIP version and the stack's build options

Signals: SIGTERM or SIGINT shut down gracefully (connections reset, ports
stopped, DPDK memory released) within 2 seconds.
)";
}

result<void> parse_config_text(daemon_config& cfg, const std::string& text,
                               const std::string& name) {
    std::istringstream in(text);
    std::string line;
    int lineno = 0;
    bool in_port = false;
    while (std::getline(in, line)) {
        ++lineno;
        const std::string where = name + ":" + std::to_string(lineno);
        if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
        line = trim(line);
        if (line.empty()) continue;
        if (line == "[port]") {
            in_port = true;  // a [port] section's `devargs` starts a new port
            continue;
        }
        if (line.front() == '[')
            return make_error(EINVAL, where + ": unknown section " + line + " (only [port])");
        const auto eq = line.find('=');
        if (eq == std::string::npos)
            return make_error(EINVAL, where + ": expected 'name = value', got '" + line + "'");
        std::string key = trim(line.substr(0, eq));
        const std::string value = trim(line.substr(eq + 1));
        if (in_port && key == "devargs") key = "port";
        if (key == "config")
            return make_error(EINVAL, where + ": 'config' cannot be set inside a config file");
        if (auto r = apply_setting(cfg, key, value, where); !r) return r;
    }
    return {};
}

result<cli_result> parse_command_line(const std::vector<std::string>& args) {
    cli_result out;
    // Pass 1: the config file, so that flags override it wherever they appear.
    for (std::size_t i = 1; i < args.size(); ++i) {
        if (args[i] == "-c" || args[i] == "--config") {
            if (i + 1 >= args.size()) return make_error(EINVAL, args[i] + " needs a file name");
            const std::string& path = args[i + 1];
            std::ifstream f(path);
            if (!f) return make_error(ENOENT, "cannot read config file '" + path + "': " +
                                                  std::strerror(errno));
            std::stringstream ss;
            ss << f.rdbuf();
            if (auto r = parse_config_text(out.config, ss.str(), path); !r) return r.err();
        }
    }
    for (std::size_t i = 1; i < args.size(); ++i) {
        std::string a = args[i];
        if (a == "-c" || a == "--config") { ++i; continue; }
        if (a == "-h") a = "--help";
        if (a == "-V") a = "--version";
        if (a.rfind("--", 0) != 0)
            return make_error(EINVAL, "unexpected argument '" + a + "' (options start with --)");
        std::string key = a.substr(2);
        std::string value;
        bool inline_value = false;
        if (auto eq = key.find('='); eq != std::string::npos) {
            value = key.substr(eq + 1);
            key.resize(eq);
            inline_value = true;
        }
        if (key.empty()) return make_error(EINVAL, "unexpected argument '--'");
        if (k_switches.count(key)) {
            if (inline_value) return make_error(EINVAL, "--" + key + " takes no value");
            if (key == "help") out.action = cli_action::help;
            else if (key == "version") out.action = cli_action::version;
            else out.action = cli_action::check;
            continue;
        }
        if (!is_setting(key)) return make_error(EINVAL, "unknown option --" + key);
        if (!inline_value) {
            if (i + 1 >= args.size()) return make_error(EINVAL, "--" + key + " needs a value");
            value = args[++i];
        }
        if (auto r = apply_setting(out.config, key, value, "--" + key); !r) return r.err();
    }
    if (out.action == cli_action::help || out.action == cli_action::version) return out;
    if (auto r = validate(out.config); !r) return r.err();
    return out;
}

}  // namespace shunt::daemon
