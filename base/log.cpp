#include "base/log.hpp"

#include <syslog.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <ctime>

namespace shunt::log {
namespace {

std::atomic<int> g_level{static_cast<int>(level::info)};
std::FILE* g_file = nullptr;  // nullptr means stderr
bool g_syslog = false;
std::string g_ident = "shunt";

}  // namespace

result<level> parse_level(std::string_view name) {
    if (name == "error") return level::error;
    if (name == "warn" || name == "warning") return level::warn;
    if (name == "info") return level::info;
    if (name == "debug") return level::debug;
    return make_error(EINVAL, "unknown log level '" + std::string(name) +
                                  "' (use error, warn, info or debug)");
}

const char* level_name(level l) {
    switch (l) {
        case level::error: return "error";
        case level::warn: return "warn";
        case level::info: return "info";
        case level::debug: return "debug";
    }
    return "?";
}

result<void> open_sink(std::string_view destination, std::string_view ident) {
    g_ident = std::string(ident);
    if (destination.empty() || destination == "stderr") return {};
    if (destination == "syslog") {
        openlog(g_ident.c_str(), LOG_PID, LOG_DAEMON);
        g_syslog = true;
        return {};
    }
    if (destination.front() != '/')
        return make_error(EINVAL, "log destination '" + std::string(destination) +
                                      "' must be stderr, syslog or an absolute path");
    std::string path(destination);
    std::FILE* f = std::fopen(path.c_str(), "ae");
    if (!f) return make_error(errno, "cannot open log file " + path + ": " + std::strerror(errno));
    std::setvbuf(f, nullptr, _IOLBF, 0);
    g_file = f;
    return {};
}

void set_level(level l) { g_level.store(static_cast<int>(l), std::memory_order_relaxed); }

bool enabled(level l) { return static_cast<int>(l) <= g_level.load(std::memory_order_relaxed); }

void vwrite(level l, const char* fmt, va_list ap) {
    if (!enabled(l)) return;
    const int saved = errno;
    char msg[1024];
    std::vsnprintf(msg, sizeof msg, fmt, ap);
    if (g_syslog) {
        static constexpr int prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
        syslog(prio[static_cast<int>(l)], "%s", msg);
    } else {
        timespec ts{};
        clock_gettime(CLOCK_REALTIME, &ts);
        tm t{};
        gmtime_r(&ts.tv_sec, &t);
        std::fprintf(g_file ? g_file : stderr, "%02d:%02d:%02d.%03ld %s[%d] %s: %s\n", t.tm_hour,
                     t.tm_min, t.tm_sec, ts.tv_nsec / 1000000, g_ident.c_str(), getpid(),
                     level_name(l), msg);
    }
    errno = saved;
}

void write(level l, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vwrite(l, fmt, ap);
    va_end(ap);
}

}  // namespace shunt::log
