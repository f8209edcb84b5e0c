#include "daemon/cmdline_reader.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <iterator>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>

#include "base/log.hpp"
#include "base/printable.hpp"

namespace shunt::daemon::cmdline_reader {
namespace {

// The app's arguments joined by spaces, each made printable (an app chooses
// its own argv: no escape sequence of it reaches the log or a terminal).
std::string read_cmdline(pid_t pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
    std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    while (!s.empty() && s.back() == '\0') s.pop_back();
    std::string out;
    for (std::size_t at = 0; at <= s.size();) {
        const std::size_t end = std::min(s.find('\0', at), s.size());
        if (!out.empty()) out += ' ';
        out += printable(std::string_view(s).substr(at, end - at));
        at = end + 1;
    }
    return out;
}

struct reader {
    std::mutex mu;
    std::condition_variable cv, idle;
    std::deque<std::pair<std::uint64_t, pid_t>> queue;
    std::unordered_map<std::uint64_t, std::string> lines;
    bool busy = false;

    reader() {
        std::thread([this] { run(); }).detach();
    }

    [[noreturn]] void run() {
        for (;;) {
            std::pair<std::uint64_t, pid_t> job;
            {
                std::unique_lock lk(mu);
                busy = false;
                idle.notify_all();
                cv.wait(lk, [this] { return !queue.empty(); });
                job = queue.front();
                queue.pop_front();
                busy = true;
            }
            std::string line = read_cmdline(job.second);  // may wait: only this thread does
            SHUNT_LOG_INFO("app pid %d (session %llu): %s", job.second, static_cast<unsigned long long>(job.first),
                           line.c_str());
            std::lock_guard lk(mu);
            // forget() may have come first (a short-lived app): nothing to keep.
            if (auto it = lines.find(job.first); it != lines.end()) it->second = std::move(line);
        }
    }
};

// Never destroyed: the thread may sit in a read at exit.
reader& the_reader() {
    static reader* r = new reader;
    return *r;
}

}  // namespace

void request(std::uint64_t session, pid_t pid) noexcept {
    reader& r = the_reader();
    try {
        std::lock_guard lk(r.mu);
        r.lines.emplace(session, std::string());
        r.queue.emplace_back(session, pid);
    } catch (...) {
        return;  // out of memory: the line stays empty
    }
    r.cv.notify_one();
}

std::string get(std::uint64_t session) {
    reader& r = the_reader();
    std::lock_guard lk(r.mu);
    const auto it = r.lines.find(session);
    return it == r.lines.end() ? std::string() : it->second;
}

void forget(std::uint64_t session) noexcept {
    reader& r = the_reader();
    std::lock_guard lk(r.mu);
    r.lines.erase(session);
}

void settle() noexcept {
    reader& r = the_reader();
    std::unique_lock lk(r.mu);
    r.idle.wait(lk, [&r] { return r.queue.empty() && !r.busy; });
}

}  // namespace shunt::daemon::cmdline_reader
