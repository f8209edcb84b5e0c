// What ends an idle worker's sleep (DESIGN.md "Idle costs nothing"): one
// epoll set holding every source of work the worker does not poll for
// while it sleeps, and an eventfd for the main lcore.
//
//   source                          fd in the set              who makes it ready
//   ------                          -------------              ------------------
//   an app's command ring           the session's control      the app's producer that found
//                                   socket (a wake message)    the worker asleep (shm/index_ring.hpp)
//   the port's RX queue             the PMD's RX interrupt fd  the kernel, on a frame
//                                   or the kernel socket under
//                                   the PMD (stack/port_wake)
//   an app's kernel UDP sockets     the session's epoll set    the kernel, on a datagram
//   adopt/detach/stop/sockets()     the eventfd                notify(), from the main lcore
//
// Every fd is level-triggered: a source left ready (a message not yet read)
// keeps ending sleeps until it is served, so nothing waits for a later event.
// Only the worker adds, removes and waits; notify() is for any thread.
#pragma once

#include <cstdint>
#include <memory>

#include "base/result.hpp"

namespace shunt::daemon {

class wake_set {
public:
    [[nodiscard]] static result<std::unique_ptr<wake_set>> create();
    ~wake_set();
    wake_set(const wake_set&) = delete;
    wake_set& operator=(const wake_set&) = delete;

    // Any thread: the worker's current or next sleep ends at once.
    void notify();

    // Worker: wait() reports `tag` (non-zero) while fd is readable. An fd
    // must be removed before it is closed when another fd still holds its
    // file (epoll forgets a file only with its last fd).
    [[nodiscard]] result<void> add(int fd, std::uint64_t tag);
    void remove(int fd);

    // Worker: sleeps until something in the set is ready or timeout_ns pass
    // (< 0: no limit); calls on_ready(tag) for each ready fd other than the
    // eventfd, which it resets. Returns how many sources were ready (0: the
    // timeout, or a signal).
    template <typename F>
    int wait(std::int64_t timeout_ns, F&& on_ready) {
        std::uint64_t tags[k_max_events];
        const int n = wait_tags(timeout_ns, tags);
        for (int i = 0; i < n; ++i)
            if (tags[i]) on_ready(tags[i]);
        return n;
    }

private:
    static constexpr int k_max_events = 64;
    wake_set() = default;
    int wait_tags(std::int64_t timeout_ns, std::uint64_t* tags);

    int epfd_ = -1;
    int eventfd_ = -1;
};

}  // namespace shunt::daemon
