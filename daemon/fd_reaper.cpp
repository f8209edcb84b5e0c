#include "daemon/fd_reaper.hpp"

#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace shunt::daemon::fd_reaper {
namespace {

struct reaper {
    std::mutex mu;
    std::condition_variable cv, idle;
    std::vector<int> queue;
    bool busy = false;  // a batch is being closed

    reaper() {
        std::thread([this] { run(); }).detach();
    }

    [[noreturn]] void run() {
        std::vector<int> batch;
        for (;;) {
            {
                std::unique_lock lk(mu);
                busy = false;
                idle.notify_all();
                cv.wait(lk, [this] { return !queue.empty(); });
                batch.swap(queue);
                busy = true;
            }
            for (int fd : batch) ::close(fd);  // may wait (SO_LINGER, FUSE): only this thread does
            batch.clear();
        }
    }
};

// Never destroyed: the thread may sit in a close() at exit.
reaper& the_reaper() {
    static reaper* r = new reaper;
    return *r;
}

}  // namespace

void settle() noexcept {
    reaper& r = the_reaper();
    std::unique_lock lk(r.mu);
    r.idle.wait(lk, [&r] { return r.queue.empty() && !r.busy; });
}

void close_later(int fd) noexcept {
    if (fd < 0) return;
    reaper& r = the_reaper();
    try {
        std::lock_guard lk(r.mu);
        r.queue.push_back(fd);
    } catch (...) {
        return;  // no memory for the queue: the fd stays open rather than block an lcore
    }
    r.cv.notify_one();
}

}  // namespace shunt::daemon::fd_reaper
