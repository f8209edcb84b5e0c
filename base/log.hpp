// Leveled logging for shunt's executables. Writes one line per call to the
// configured sink (stderr, a file, or syslog). Saves and restores errno, so
// it is safe to call between a failing call and the code that reads errno.
#pragma once

#include <cstdarg>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace shunt::log {

enum class level { error = 0, warn = 1, info = 2, debug = 3 };

[[nodiscard]] result<level> parse_level(std::string_view name);
const char* level_name(level l);

// Destination: "stderr", "syslog", or an absolute file path (appended).
[[nodiscard]] result<void> open_sink(std::string_view destination, std::string_view ident);
void set_level(level l);
[[nodiscard]] bool enabled(level l);

void write(level l, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
void vwrite(level l, const char* fmt, va_list ap);

}  // namespace shunt::log

#define SHUNT_LOG_ERROR(...) ::shunt::log::write(::shunt::log::level::error, __VA_ARGS__)
#define SHUNT_LOG_WARN(...) ::shunt::log::write(::shunt::log::level::warn, __VA_ARGS__)
#define SHUNT_LOG_INFO(...) ::shunt::log::write(::shunt::log::level::info, __VA_ARGS__)
#define SHUNT_LOG_DEBUG(...)                                              \
    do {                                                                  \
        if (::shunt::log::enabled(::shunt::log::level::debug))            \
            ::shunt::log::write(::shunt::log::level::debug, __VA_ARGS__); \
    } while (0)
