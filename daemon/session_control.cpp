// The session's control connection (shm/protocol.hpp): the messages an app
// sends on it (wake messages; fd messages with the fds and credentials a
// call takes), each read as it comes and kept for the call that names it.
#include <sys/socket.h>

#include "daemon/fd_reaper.hpp"
#include "daemon/session.hpp"
#include "shm/fd_passing.hpp"
#include "shm/protocol.hpp"

namespace shunt::daemon {
namespace {

constexpr std::size_t k_max_unclaimed_fds = 64;

bool is_socket_of(int fd, int domain, int type) {
    int v = 0;
    socklen_t len = sizeof v;
    if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len) != 0 || v != domain) return false;
    len = sizeof v;
    return getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) == 0 && v == type;
}

}  // namespace

bool is_stream_unix_socket(int fd) { return is_socket_of(fd, AF_UNIX, SOCK_STREAM); }
bool is_inet_udp_socket(int fd) { return is_socket_of(fd, AF_INET, SOCK_DGRAM); }

void session::drain_control() {
    // Every message as it comes: none waits in the connection's queue for a
    // call that may never come (daemon/session.hpp read_control_message).
    for (int i = 0; i < 64 && read_control_message(); ++i) {
    }
}

session::passed_fds session::take_fds(std::uint64_t tag) {
    // The app sends the fds before it posts the call, so they are queued by now.
    for (;;) {
        if (auto it = fds_.find(tag); it != fds_.end()) {
            const passed_fds f = it->second;
            fds_.erase(it);
            return f;
        }
        if (!read_control_message()) return {};
    }
}

bool session::read_control_message() {
    if (ctl_fd_ < 0 || !failure_.empty()) return false;
    shm::fd_message m{};
    int got[shm::k_max_passed_fds];
    bool lost = false;
    ucred cred{};
    const ssize_t n = shm::recv_with_fds(ctl_fd_, &m, sizeof m, got, MSG_DONTWAIT, &lost, fd_reaper::close_later, &cred);
    passed_fds f{got[0], got[1], lost, cred};
    // SOCK_SEQPACKET delivers empty messages, and one can carry an fd:
    // n == 0 with an fd is a malformed message (closing the fd), not a
    // hang-up; found by tests/fuzz/fuzz_segment (each leaked an fd).
    if (n < 0 || (n == 0 && f.first < 0 && !lost)) return false;
    if (n == sizeof(shm::wake_message) && f.first < 0 && !lost &&
        static_cast<std::uint32_t>(m.tag) == shm::k_wake_magic)
        return true;  // a wake message: the worker is awake
    // An fd_message without fds carries only credentials (a bind's).
    if (n != sizeof m) {
        f.close_all();
        fail("malformed message on the control socket");
        return false;
    }
    for (int* fd : {&f.first, &f.second}) {
        if (*fd < 0 || is_stream_unix_socket(*fd) || is_inet_udp_socket(*fd)) continue;
        fd_reaper::close_later(*fd);
        *fd = -1;
        f.refused = true;
    }
    if (fds_.size() >= k_max_unclaimed_fds || !fds_.emplace(m.tag, f).second) {
        f.close_all();
        fail("too many unclaimed notify fds");
        return false;
    }
    return true;
}

void session::expire_unclaimed() {
    constexpr unsigned k_max_audits = 50;  // 5 s of publish periods
    for (auto it = fds_.begin(); it != fds_.end();) {
        if (++it->second.audits <= k_max_audits) {
            ++it;
            continue;
        }
        it->second.close_all();
        it = fds_.erase(it);
    }
}

}  // namespace shunt::daemon
