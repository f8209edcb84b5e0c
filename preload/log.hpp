// libshunt's log: one line per call on stderr ("shunt[PID]: ..."), at or
// above SHUNT_LOG (error, warn (default), info, debug). Saves and restores
// errno, allocates nothing and writes with one raw write(2), so it is safe
// anywhere in a wrapper.
#pragma once

namespace shunt::preload {

enum class log_level { error = 0, warn = 1, info = 2, debug = 3 };

void log_line(log_level l, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

}  // namespace shunt::preload
