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
    std::condition_variable cv;
    std::vector<int> queue;

    reaper() {
        std::thread([this] { run(); }).detach();
    }

    [[noreturn]] void run() {
        std::vector<int> batch;
        for (;;) {
            {
                std::unique_lock lk(mu);
                cv.wait(lk, [this] { return !queue.empty(); });
                batch.swap(queue);
            }
            for (int fd : batch) ::close(fd);  // may wait (SO_LINGER, FUSE): only this thread does
            batch.clear();
        }
    }
};

}  // namespace

void close_later(int fd) noexcept {
    if (fd < 0) return;
    // Never destroyed: the thread may sit in a close() at exit.
    static reaper* r = new reaper;
    try {
        std::lock_guard lk(r->mu);
        r->queue.push_back(fd);
    } catch (...) {
        return;  // no memory for the queue: the fd stays open rather than block an lcore
    }
    r->cv.notify_one();
}

}  // namespace shunt::daemon::fd_reaper
