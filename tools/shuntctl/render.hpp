// Human-readable tables for shuntctl, from the daemon's JSON replies.
#pragma once

#include <string>

#include "base/json_value.hpp"

namespace shunt::ctl {

std::string render_status(const json_value& status);
std::string render_stats(const json_value& stats);
std::string render_apps(const json_value& apps);

}  // namespace shunt::ctl
