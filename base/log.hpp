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

// From start_writer() on, write() formats the line and queues it for a
// writer thread, which alone may wait on the sink (a full pipe, a slow disk,
// syslog): a caller never does (shuntd's worker and main lcore log). When
// k_queued_lines wait already, a line is dropped and counted; the writer
// reports the count with its next line. stop_writer() writes what is queued
// (for at most a second: a sink stuck for longer is left to its thread)
// and goes back to direct writes. shuntd starts it once its sink is open.
constexpr unsigned k_queued_lines = 1024;
void start_writer();
void stop_writer();

}  // namespace shunt::log

#define SHUNT_LOG_ERROR(...) ::shunt::log::write(::shunt::log::level::error, __VA_ARGS__)
#define SHUNT_LOG_WARN(...) ::shunt::log::write(::shunt::log::level::warn, __VA_ARGS__)
#define SHUNT_LOG_INFO(...) ::shunt::log::write(::shunt::log::level::info, __VA_ARGS__)
#define SHUNT_LOG_DEBUG(...)                                              \
    do {                                                                  \
        if (::shunt::log::enabled(::shunt::log::level::debug))            \
            ::shunt::log::write(::shunt::log::level::debug, __VA_ARGS__); \
    } while (0)
