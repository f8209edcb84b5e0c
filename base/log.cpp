#include "base/log.hpp"

#include <syslog.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <deque>
#include <mutex>
#include <thread>

namespace shunt::log {
namespace {

std::atomic<int> g_level{static_cast<int>(level::info)};
std::FILE* g_file = nullptr;  // nullptr means stderr
bool g_syslog = false;
std::string g_ident = "shunt";

// One formatted line, as the sink gets it.
struct line {
    level l;
    std::string text;
};

void emit(const line& ln) {
    if (g_syslog) {
        static constexpr int prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
        syslog(prio[static_cast<int>(ln.l)], "%s", ln.text.c_str());
    } else {
        std::FILE* f = g_file ? g_file : stderr;
        std::fputs(ln.text.c_str(), f);
        std::fputc('\n', f);
        std::fflush(f);
    }
}

// The writer thread's queue. Never destroyed: a sink stuck at exit keeps
// its thread (detached by stop_writer) inside emit().
struct writer {
    std::mutex mu;
    std::condition_variable more, drained;
    std::deque<line> queue;
    std::uint64_t dropped = 0;
    bool running = false, stopping = false, busy = false;
    std::thread thread;

    void run() {
        std::unique_lock lk(mu);
        for (;;) {
            more.wait(lk, [this] { return stopping || !queue.empty(); });
            if (queue.empty()) break;  // stopping, all written
            line ln = std::move(queue.front());
            queue.pop_front();
            const std::uint64_t lost = dropped;
            dropped = 0;
            busy = true;
            lk.unlock();
            if (lost) emit(line{level::warn, "log: " + std::to_string(lost) + " lines dropped (the log sink was slow)"});
            emit(ln);
            lk.lock();
            busy = false;
            if (queue.empty()) drained.notify_all();
        }
        drained.notify_all();
    }
};

writer& the_writer() {
    static writer* w = new writer;
    return *w;
}

}  // namespace

void start_writer() {
    writer& w = the_writer();
    std::lock_guard lk(w.mu);
    if (w.running) return;
    w.stopping = false;
    w.running = true;
    w.thread = std::thread([&w] { w.run(); });
}

void stop_writer() {
    writer& w = the_writer();
    std::unique_lock lk(w.mu);
    if (!w.running) return;
    w.stopping = true;
    w.more.notify_all();
    const bool done = w.drained.wait_for(lk, std::chrono::seconds(1), [&w] { return w.queue.empty() && !w.busy; });
    w.running = false;
    lk.unlock();
    if (done) w.thread.join();
    else w.thread.detach();  // the sink is stuck: its thread stays there
}

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
    if (destination.empty() || destination == "stderr") {
        g_file = nullptr;  // a file opened before stays open: a queued line may still name it
        return {};
    }
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
    line ln{l, {}};
    if (g_syslog) {
        ln.text = msg;
    } else {
        timespec ts{};
        clock_gettime(CLOCK_REALTIME, &ts);
        tm t{};
        gmtime_r(&ts.tv_sec, &t);
        char head[96];
        std::snprintf(head, sizeof head, "%02d:%02d:%02d.%03ld %s[%d] %s: ", t.tm_hour, t.tm_min, t.tm_sec,
                      ts.tv_nsec / 1000000, g_ident.c_str(), getpid(), level_name(l));
        ln.text = std::string(head) + msg;
    }
    writer& w = the_writer();
    {
        std::unique_lock lk(w.mu);
        if (w.running) {
            if (w.queue.size() < k_queued_lines) w.queue.push_back(std::move(ln));
            else ++w.dropped;
            lk.unlock();
            w.more.notify_one();
            errno = saved;
            return;
        }
    }
    emit(ln);
    errno = saved;
}

void write(level l, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vwrite(l, fmt, ap);
    va_end(ap);
}

}  // namespace shunt::log
