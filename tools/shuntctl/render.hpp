// Human-readable tables for shuntctl, from the daemon's JSON replies.
#pragma once

#include <string>

#include "base/json_value.hpp"

namespace shunt::ctl {

std::string render_status(const json_value& status);
std::string render_stats(const json_value& stats);
std::string render_apps(const json_value& apps);

// `shuntctl sockets` filters (empty/0: any).
struct socket_filter {
    std::string state, proto;
    int port = 0;
    long pid = 0;
    bool matches(const json_value& socket) const;
};
std::string render_sockets(const json_value& sockets, const socket_filter& f);
// The daemon's sockets document with only the matching sockets.
std::string filter_sockets_json(const json_value& sockets, const socket_filter& f);

}  // namespace shunt::ctl
