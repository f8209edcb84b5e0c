#include "preload/poll_fast.hpp"

#include <time.h>

#include <atomic>
#include <cstdint>
#include <cstring>

#include "preload/deferred_clear.hpp"
#include "preload/fd_table.hpp"
#include "preload/shm_readiness.hpp"

namespace shunt::preload::poll_fast {
namespace {

constexpr std::uint64_t k_kernel_after_ns = 1'000'000;
std::atomic<std::uint64_t> g_kernel_look_ns{0};

std::uint64_t now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

// The readiness of fd if it is an accelerated socket in a plain state.
bool ready_bits(int fd, std::uint32_t& ev) {
    const accel_socket* s = fd_table::get(fd);
    return s && s->kernel_fd < 0 && readiness(*s, ev);
}

// An answer found in shared memory may go out unless the kernel's turn has come.
bool may_answer() {
    const std::uint64_t now = now_ns();
    std::uint64_t last = g_kernel_look_ns.load(std::memory_order_relaxed);
    if (now - last < k_kernel_after_ns) return true;
    // relaxed: a timestamp; of racing threads one takes the turn.
    g_kernel_look_ns.compare_exchange_strong(last, now, std::memory_order_relaxed);
    return false;
}

}  // namespace

int poll(pollfd* fds, nfds_t n) noexcept {
    if (n == 0 || !deferred_clear::enabled()) return -1;
    int ready = 0;
    for (nfds_t i = 0; i < n; ++i) {
        if (fds[i].fd < 0) {
            fds[i].revents = 0;  // ignored, as the kernel does
            continue;
        }
        std::uint32_t ev = 0;
        if (!ready_bits(fds[i].fd, ev)) return -1;
        // The epoll and poll bits of IN, OUT and their NORM/BAND forms are
        // the same values; a plain state has no ERR, HUP or RDHUP.
        fds[i].revents = static_cast<short>(ev & static_cast<std::uint16_t>(fds[i].events));
        if (fds[i].revents) ++ready;
    }
    return ready > 0 && may_answer() ? ready : -1;
}

int select(int nfds, fd_set* r, fd_set* w, fd_set* e) noexcept {
    if (nfds <= 0 || nfds > FD_SETSIZE || !deferred_clear::enabled()) return -1;
    fd_set ro, wo, eo;
    FD_ZERO(&ro);
    FD_ZERO(&wo);
    FD_ZERO(&eo);
    int bits = 0;
    for (int fd = 0; fd < nfds; ++fd) {
        const bool in = r && FD_ISSET(fd, r), out = w && FD_ISSET(fd, w), ex = e && FD_ISSET(fd, e);
        if (!in && !out && !ex) continue;
        std::uint32_t ev = 0;
        if (!ready_bits(fd, ev)) return -1;
        // Linux's select: readable on POLLIN|POLLHUP|POLLERR, writable on
        // POLLOUT|POLLERR, exceptional on POLLPRI (never in a plain state).
        if (in && (ev & POLLIN)) FD_SET(fd, &ro), ++bits;
        if (out && (ev & POLLOUT)) FD_SET(fd, &wo), ++bits;
    }
    if (bits == 0 || !may_answer()) return -1;
    if (r) std::memcpy(r, &ro, sizeof ro);
    if (w) std::memcpy(w, &wo, sizeof wo);
    if (e) std::memcpy(e, &eo, sizeof eo);
    return bits;
}

}  // namespace shunt::preload::poll_fast
