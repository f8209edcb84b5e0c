#include "daemon/config.hpp"

#include <arpa/inet.h>
#include <grp.h>
#include <pwd.h>

#include <charconv>
#include <set>

namespace shunt::daemon {
namespace {

error bad(const std::string& where, const std::string& key, const std::string& value,
          const std::string& why) {
    return make_error(EINVAL, where + ": invalid " + key + " '" + value + "': " + why);
}

result<unsigned long> parse_number(const std::string& text, unsigned long lo, unsigned long hi) {
    unsigned long v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v, 10);
    if (text.empty() || ec != std::errc{} || p != text.data() + text.size())
        return make_error(EINVAL, "not a number");
    if (v < lo || v > hi)
        return make_error(ERANGE, "must be between " + std::to_string(lo) + " and " +
                                      std::to_string(hi));
    return v;
}

result<mode_t> parse_mode(const std::string& text) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v, 8);
    if (text.empty() || ec != std::errc{} || p != text.data() + text.size() || v > 0777)
        return make_error(EINVAL, "not an octal mode such as 0660");
    return static_cast<mode_t>(v);
}

}  // namespace

result<std::uint32_t> parse_ipv4(const std::string& text) {
    in_addr a{};
    if (inet_pton(AF_INET, text.c_str(), &a) != 1)
        return make_error(EINVAL, "not a dotted-quad IPv4 address");
    return ntohl(a.s_addr);
}

result<ipv4_prefix> parse_ipv4_prefix(const std::string& text) {
    auto slash = text.find('/');
    if (slash == std::string::npos) return make_error(EINVAL, "needs a prefix length, e.g. /24");
    auto addr = parse_ipv4(text.substr(0, slash));
    if (!addr) return addr.err();
    auto len = parse_number(text.substr(slash + 1), 1, 32);
    if (!len) return make_error(EINVAL, "prefix length must be 1 to 32");
    ipv4_prefix p{*addr, static_cast<std::uint8_t>(*len)};
    const std::uint32_t mask = p.len == 32 ? ~0u : ~((1u << (32 - p.len)) - 1);
    if (p.len < 31 && ((p.addr & ~mask) == 0 || (p.addr & ~mask) == ~mask))
        return make_error(EINVAL, "is the network or broadcast address of its subnet");
    return p;
}

std::string format_ipv4(std::uint32_t host_order) {
    in_addr a{htonl(host_order)};
    char buf[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, &a, buf, sizeof buf);
    return buf;
}

bool is_setting(const std::string& key) {
    static const std::set<std::string> k_keys = {
        "port", "addr", "address", "gateway", "mtu", "workers", "mbufs", "socket-buffer", "app-sockets", "app-memory", "app-stack-memory", "user-stack-memory", "max-apps", "max-apps-per-user", "memory",
        "idle-sleep", "poll-mode", "control", "admin", "socket-owner", "socket-group", "admin-owner", "admin-group", "control-mode",
        "admin-mode", "log-level", "log", "huge", "file-prefix"};
    return k_keys.count(key) != 0;
}

result<void> apply_setting(daemon_config& cfg, const std::string& key, const std::string& value,
                           const std::string& where) {
    auto last_port = [&]() -> port_config* {
        return cfg.ports.empty() ? nullptr : &cfg.ports.back();
    };
    auto need_port = [&]() -> result<void> {
        if (!last_port())
            return make_error(EINVAL, where + ": '" + key + "' must follow a 'port' setting");
        return {};
    };
    auto number = [&](unsigned long lo, unsigned long hi, auto& out) -> result<void> {
        auto n = parse_number(value, lo, hi);
        if (!n) return bad(where, key, value, n.err().describe());
        out = static_cast<std::remove_reference_t<decltype(out)>>(*n);
        return {};
    };

    if (key == "port") {
        if (value.empty() || value.find_first_of(" \t") != std::string::npos)
            return bad(where, key, value, "expected DPDK devargs such as net_af_xdp0,iface=eth1");
        cfg.ports.push_back(port_config{value, {}, {}, 1500});
        return {};
    }
    if (key == "addr" || key == "address") {
        if (auto r = need_port(); !r) return r;
        auto p = parse_ipv4_prefix(value);
        if (!p) return bad(where, key, value, p.err().describe());
        last_port()->address = *p;
        return {};
    }
    if (key == "gateway") {
        if (auto r = need_port(); !r) return r;
        auto a = parse_ipv4(value);
        if (!a) return bad(where, key, value, a.err().describe());
        last_port()->gateway = *a;
        return {};
    }
    if (key == "mtu") {
        if (auto r = need_port(); !r) return r;
        return number(576, 9000, last_port()->mtu);
    }
    if (key == "workers") return number(1, 64, cfg.workers);
    if (key == "mbufs") return number(1024, 1u << 20, cfg.mbufs);
    if (key == "socket-buffer") return number(4096, 64u << 20, cfg.socket_buffer);
    if (key == "app-sockets") return number(1, 1u << 20, cfg.app_sockets);
    if (key == "app-memory") return number(0, 1u << 20, cfg.app_memory_mb);
    if (key == "app-stack-memory") return number(0, 1u << 20, cfg.app_stack_memory_mb);
    if (key == "user-stack-memory") return number(0, 1u << 20, cfg.user_stack_memory_mb);
    if (key == "max-apps") return number(1, 65536, cfg.max_apps);
    if (key == "max-apps-per-user") return number(1, 65536, cfg.max_apps_per_user);
    if (key == "memory") return number(64, 1u << 20, cfg.memory_mb);
    if (key == "idle-sleep") {
        if (auto r = number(0, 100000, cfg.idle_sleep_us); !r) return r;
        if (cfg.idle_sleep_us == 0) cfg.poll = poll_mode::busy;  // its meaning before --poll-mode
        return {};
    }
    if (key == "poll-mode") {
        auto m = parse_poll_mode(value);
        if (!m) return bad(where, key, value, "must be busy, adaptive or interrupt");
        cfg.poll = *m;
        return {};
    }
    if (key == "control") {
        if (value.empty() || value.front() != '/') return bad(where, key, value, "must be an absolute path");
        cfg.control_path = value;
        return {};
    }
    if (key == "admin") {
        if (value.empty() || value.front() != '/') return bad(where, key, value, "must be an absolute path");
        cfg.admin_path = value;
        return {};
    }
    if (key == "socket-owner" || key == "admin-owner") {
        std::optional<uid_t>& owner = key == "socket-owner" ? cfg.socket_owner : cfg.admin_owner;
        if (passwd* pw = getpwnam(value.c_str())) { owner = pw->pw_uid; return {}; }
        auto n = parse_number(value, 0, 0xfffffffe);
        if (!n) return bad(where, key, value, "no such user");
        owner = static_cast<uid_t>(*n);
        return {};
    }
    if (key == "socket-group" || key == "admin-group") {
        std::optional<gid_t>& grp = key == "socket-group" ? cfg.socket_group : cfg.admin_group;
        if (group* gr = getgrnam(value.c_str())) { grp = gr->gr_gid; return {}; }
        auto n = parse_number(value, 0, 0xfffffffe);
        if (!n) return bad(where, key, value, "no such group");
        grp = static_cast<gid_t>(*n);
        return {};
    }
    if (key == "control-mode" || key == "admin-mode") {
        auto m = parse_mode(value);
        if (!m) return bad(where, key, value, m.err().describe());
        (key == "control-mode" ? cfg.control_mode : cfg.admin_mode) = *m;
        return {};
    }
    if (key == "log-level") {
        auto l = log::parse_level(value);
        if (!l) return bad(where, key, value, "use error, warn, info or debug");
        cfg.log_level = *l;
        return {};
    }
    if (key == "log") {
        if (value != "stderr" && value != "syslog" && (value.empty() || value.front() != '/'))
            return bad(where, key, value, "use stderr, syslog or an absolute file path");
        cfg.log_destination = value;
        return {};
    }
    if (key == "huge") {
        if (value == "auto") cfg.huge = huge_mode::automatic;
        else if (value == "yes") cfg.huge = huge_mode::yes;
        else if (value == "no") cfg.huge = huge_mode::no;
        else return bad(where, key, value, "use auto, yes or no");
        return {};
    }
    if (key == "file-prefix") {
        if (value.empty() || value.size() > 40 ||
            value.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_") != std::string::npos)
            return bad(where, key, value, "use up to 40 of a-z, 0-9, '-' and '_'");
        cfg.file_prefix = value;
        return {};
    }
    return make_error(EINVAL, where + ": unknown setting '" + key + "'");  // keep in step with is_setting
}

result<void> validate(const daemon_config& cfg) {
    if (cfg.ports.empty())
        return make_error(EINVAL, "no port configured: give --port DEVARGS --addr A.B.C.D/N");
    std::set<std::string> seen;
    for (const auto& p : cfg.ports) {
        if (!p.address)
            return make_error(EINVAL, "port '" + p.devargs + "' has no address (--addr A.B.C.D/N)");
        const std::string name = p.devargs.substr(0, p.devargs.find(','));
        if (!seen.insert(name).second)
            return make_error(EINVAL, "port name '" + name + "' is configured twice");
        if (p.gateway) {
            const auto& a = *p.address;
            const std::uint32_t mask = a.len == 32 ? ~0u : ~((1u << (32 - a.len)) - 1);
            if ((*p.gateway & mask) != (a.addr & mask))
                return make_error(EINVAL, "gateway " + format_ipv4(*p.gateway) + " of port '" +
                                              p.devargs + "' is not on its subnet " +
                                              format_ipv4(a.addr & mask) + "/" +
                                              std::to_string(a.len));
        }
    }
    if (cfg.workers != 1)
        return make_error(ENOTSUP,
                          "workers=" + std::to_string(cfg.workers) +
                              ": this build runs one lwIP instance, so exactly 1 worker");
    if (cfg.control_path == cfg.admin_path)
        return make_error(EINVAL, "the control and admin sockets must be different paths");
    return {};
}

}  // namespace shunt::daemon
