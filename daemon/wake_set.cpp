#include "daemon/wake_set.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>

namespace shunt::daemon {

result<std::unique_ptr<wake_set>> wake_set::create() {
    std::unique_ptr<wake_set> w(new wake_set());
    w->epfd_ = epoll_create1(EPOLL_CLOEXEC);
    if (w->epfd_ < 0) return make_error(errno, "worker wake set: epoll_create1");
    w->eventfd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (w->eventfd_ < 0) return make_error(errno, "worker wake set: eventfd");
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = 0;
    if (epoll_ctl(w->epfd_, EPOLL_CTL_ADD, w->eventfd_, &ev) != 0)
        return make_error(errno, "worker wake set: epoll_ctl");
    return w;
}

wake_set::~wake_set() {
    if (eventfd_ >= 0) close(eventfd_);
    if (epfd_ >= 0) close(epfd_);
}

void wake_set::notify() {
    const std::uint64_t one = 1;
    // Never blocks (EFD_NONBLOCK); EAGAIN means the counter is already high,
    // so the worker will wake anyway.
    ssize_t r = write(eventfd_, &one, sizeof one);
    (void)r;
}

result<void> wake_set::add(int fd, std::uint64_t tag) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = tag;
    if (epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) return make_error(errno, "worker wake set: add");
    return {};
}

void wake_set::remove(int fd) { epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr); }

int wake_set::wait_tags(std::int64_t timeout_ns, std::uint64_t* tags) {
    epoll_event evs[k_max_events];
    timespec ts{};
    if (timeout_ns >= 0) {
        ts.tv_sec = static_cast<time_t>(timeout_ns / 1'000'000'000);
        ts.tv_nsec = static_cast<long>(timeout_ns % 1'000'000'000);
    }
    // epoll_pwait2: a timeout in nanoseconds (epoll_wait's are milliseconds).
    const int n = epoll_pwait2(epfd_, evs, k_max_events, timeout_ns >= 0 ? &ts : nullptr, nullptr);
    if (n <= 0) return 0;
    for (int i = 0; i < n; ++i) {
        tags[i] = evs[i].data.u64;
        if (tags[i] == 0) {
            std::uint64_t v;
            ssize_t r = read(eventfd_, &v, sizeof v);
            (void)r;
        }
    }
    return n;
}

}  // namespace shunt::daemon
