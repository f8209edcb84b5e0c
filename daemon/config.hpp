// shuntd's configuration: what the command line and shuntd.conf can set, and
// its validation. Everything here is checked before EAL init; an invalid
// setting is reported with the key, the value and (for files) the line.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/log.hpp"
#include "base/result.hpp"
#include "daemon/nap_policy.hpp"

namespace shunt::daemon {

struct ipv4_prefix {
    std::uint32_t addr = 0;  // host byte order
    std::uint8_t len = 0;
};

struct port_config {
    std::string devargs;  // DPDK device arguments, e.g. net_af_xdp0,iface=veth0
    std::optional<ipv4_prefix> address;
    std::optional<std::uint32_t> gateway;  // host byte order
    std::uint16_t mtu = 1500;
};

enum class huge_mode { automatic, yes, no };

struct daemon_config {
    std::vector<port_config> ports;
    unsigned workers = 1;
    unsigned mbufs = 16384;
    unsigned socket_buffer = 256 * 1024;  // each direction's ring per app socket (rounded up to a power of two)
    unsigned app_sockets = 16384;         // accelerated sockets per app process (more: EMFILE)
    unsigned app_memory_mb = 0;           // socket-ring memory per app in use at once (0: no cap; more: ENOBUFS)
    // lwIP heap held for one app's TCP sockets, and for all of one user's
    // apps (daemon/stack_memory.hpp; 0: no cap).
    unsigned app_stack_memory_mb = 64;
    unsigned user_stack_memory_mb = 128;
    unsigned max_apps = 256;              // attached app processes
    unsigned max_apps_per_user = 64;      // of them, one user's (root is not counted against it)
    std::string control_path = "/run/shunt/control.sock";
    std::string admin_path = "/run/shunt/admin.sock";
    std::optional<uid_t> socket_owner;  // the control socket's (who may attach apps)
    std::optional<gid_t> socket_group;
    std::optional<uid_t> admin_owner;   // the admin socket's (who may run shuntctl, capture included)
    std::optional<gid_t> admin_group;
    mode_t control_mode = 0666;  // any local user may attach; policy is SO_PEERCRED
    mode_t admin_mode = 0660;    // owner and group only
    log::level log_level = log::level::info;
    std::string log_destination = "stderr";
    huge_mode huge = huge_mode::automatic;
    unsigned memory_mb = 512;  // DPDK memory with --no-huge (-m)
    std::string file_prefix = "shunt";
    unsigned idle_sleep_us = 20;  // first nap of an idle worker (adaptive, no port wake-up); 0: busy
    poll_mode poll = poll_mode::adaptive;  // daemon/nap_policy.hpp
};

// Applies one `key = value` setting (a long flag name without dashes).
// `where` names the source for messages ("--port", "shuntd.conf:12").
[[nodiscard]] result<void> apply_setting(daemon_config& cfg, const std::string& key,
                                         const std::string& value, const std::string& where);

// Is `key` a setting apply_setting() knows?
[[nodiscard]] bool is_setting(const std::string& key);

// Checks the settings together: at least one port, each with an address, etc.
[[nodiscard]] result<void> validate(const daemon_config& cfg);

[[nodiscard]] result<ipv4_prefix> parse_ipv4_prefix(const std::string& text);
[[nodiscard]] result<std::uint32_t> parse_ipv4(const std::string& text);
std::string format_ipv4(std::uint32_t host_order);

}  // namespace shunt::daemon
