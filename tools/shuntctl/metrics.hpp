// shuntctl's computed views: the Prometheus text exposition of the daemon's
// documents (`metrics`) and the live view (`watch`).
#pragma once

#include <functional>
#include <string>

#include "base/json_value.hpp"
#include "base/result.hpp"

namespace shunt::ctl {

// Prometheus text format 0.0.4: a # HELP and # TYPE line per family, names
// prefixed shunt_, counters suffixed _total, label values escaped.
std::string prometheus_text(const json_value& status, const json_value& stats, const json_value& apps,
                            const json_value& sockets);

// Refreshes every `interval` seconds (`count` times, 0: until interrupted);
// `tty` clears the screen between refreshes. Returns the exit status (from
// `fail` on the first error).
using ask_fn = std::function<result<json_value>(const std::string&)>;
int watch(const ask_fn& ask, double interval, long count, bool tty, const std::function<int(const error&)>& fail);

}  // namespace shunt::ctl
