// The session's part in the worker's sleep (daemon/wake_set.hpp,
// docs/architecture.md): what it adds to the sleep set, the command ring's
// sleep handshake, and reading the wake messages apps send on their control
// socket (shm/protocol.hpp wake_message).
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.hpp"
#include "daemon/fd_reaper.hpp"
#include "daemon/session.hpp"
#include "shm/fd_passing.hpp"

namespace shunt::daemon {

void session::watch(wake_set& w, std::uint64_t tag) {
    wake_ = &w;
    wake_tag_ = tag;
    if (ctl_fd_ >= 0 && !w.add(ctl_fd_, tag))
        SHUNT_LOG_WARN("app pid %d: its control socket cannot wake the worker; it is served when the worker wakes",
                       who_.pid);
    if (kernel_ep_ >= 0 && !w.add(kernel_ep_, tag))
        SHUNT_LOG_WARN("app pid %d: its kernel UDP sockets cannot wake the worker", who_.pid);
    // Without it, a process's death is seen at the next audit (a publish period).
    if (holders_.poll_fd() >= 0) holders_watched_ = static_cast<bool>(w.add(holders_.poll_fd(), tag));
}

bool session::sleep_begin() {
    if (detached_ || !failure_.empty()) return true;  // nothing to serve but lwIP's callbacks
    if (!tx_retry_.empty()) return false;             // datagrams to retry next loop
    return ring_.sleep_begin();
}

void session::sleep_end() {
    if (!detached_) ring_.sleep_end();
}

void session::on_wake() {
    reap_holders();
    drain_control();
}

void session::drain_control() {
    if (ctl_fd_ < 0) return;
    for (int i = 0; i < 64; ++i) {
        char peek[16];
        const ssize_t n = recv(ctl_fd_, peek, sizeof peek, MSG_PEEK | MSG_DONTWAIT | MSG_TRUNC);
        // Nothing, or an fd message that take_fd claims with its call.
        if (n < 0 || n == sizeof(shm::fd_message)) return;
        if (n == 0) {
            // A hang-up (the main lcore detaches the session) or an empty message.
            pollfd p{ctl_fd_, POLLRDHUP, 0};
            if (::poll(&p, 1, 0) != 0 && (p.revents & (POLLRDHUP | POLLHUP))) return;
        }
        shm::wake_message m{};
        int fd = -1;
        const ssize_t got = shm::recv_with_fd(ctl_fd_, &m, sizeof m, &fd, MSG_DONTWAIT, fd_reaper::close_later);
        fd_reaper::close_later(fd);
        if (got == 0 && fd < 0) continue;  // an empty message: nothing to do
        if (got != sizeof m || fd >= 0 || m.magic != shm::k_wake_magic) return fail("malformed message on the control socket");
    }
}

}  // namespace shunt::daemon
