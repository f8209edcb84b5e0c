// shuntctl's side of the admin socket: one request line out, one JSON reply
// back (see daemon/admin_server.hpp).
#pragma once

#include <string>

#include "base/result.hpp"

namespace shunt::ctl {

// The admin socket to ask when --socket is not given: $SHUNT_ADMIN_SOCKET;
// else the system shuntd's (/run/shunt/admin.sock) when it answers; else
// the one lab whose shuntd answers (`shunt lab up`: DIR/NAME/admin.sock,
// DIR from $SHUNT_LAB_RUN_DIR, default /run/shunt-lab); else the system's
// path (whose connect then says shuntd is not running). Several labs
// answering and no system shuntd: an error naming them (EEXIST).
[[nodiscard]] result<std::string> default_admin_path();

// Sends `request` and returns the reply. Errors say whether the daemon is not
// running (ENOENT/ECONNREFUSED) or access was denied (EACCES).
// Connects and sends `request`; returns the connection for a streaming
// reply (shuntctl capture). Same errors as admin_request.
[[nodiscard]] result<int> admin_open(const std::string& path, const std::string& request);

[[nodiscard]] result<std::string> admin_request(const std::string& path, const std::string& request,
                                                int timeout_ms = 5000);

}  // namespace shunt::ctl
