#include "preload/log.hpp"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "shm/sys.hpp"

namespace shunt::preload {
namespace {

int threshold() {
    static std::atomic<int> t{-1};
    int v = t.load(std::memory_order_relaxed);
    if (v >= 0) return v;
    v = 1;
    if (const char* s = secure_getenv("SHUNT_LOG")) {
        if (!std::strcmp(s, "error")) v = 0;
        else if (!std::strcmp(s, "info")) v = 2;
        else if (!std::strcmp(s, "debug")) v = 3;
    }
    t.store(v, std::memory_order_relaxed);
    return v;
}

}  // namespace

void log_line(log_level l, const char* fmt, ...) {
    if (static_cast<int>(l) > threshold()) return;
    const int saved = errno;
    char buf[512];
    int n = std::snprintf(buf, sizeof buf, "shunt[%d]: ", static_cast<int>(getpid()));
    va_list ap;
    va_start(ap, fmt);
    const int m = std::vsnprintf(buf + n, sizeof buf - static_cast<std::size_t>(n) - 1, fmt, ap);
    va_end(ap);
    n += m < 0 ? 0 : m;
    if (n > static_cast<int>(sizeof buf) - 2) n = static_cast<int>(sizeof buf) - 2;
    buf[n++] = '\n';
    shm::sys::raw(SYS_write, 2, reinterpret_cast<long>(buf), n);
    errno = saved;
}

}  // namespace shunt::preload
