#include "shm/notify.hpp"

#include "shm/sys.hpp"

namespace shunt::shm {

int notify_pair(int fds[2]) {
    if (long r = sys::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds); r < 0) return static_cast<int>(r);
    // The smallest send buffer the kernel allows on the app's end: a few KiB
    // of filler make it unwritable.
    int small = 1;
    sys::setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    return 0;
}

void notify_signal_readable(int daemon_fd) {
    const char b = 'r';
    // EAGAIN cannot leave the app unreadable: bytes are already queued.
    (void)sys::send(daemon_fd, &b, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
}

void notify_unblock_writable(int daemon_fd) {
    // Bounded: an app that keeps refilling cannot hold the worker here. The
    // app's own filler is a few KiB (its send buffer is the minimum).
    char buf[4096];
    for (int i = 0; i < 16 && sys::recv(daemon_fd, buf, sizeof buf, MSG_DONTWAIT) > 0; ++i) {
    }
}

void notify_eof(int daemon_fd) { sys::shutdown(daemon_fd, SHUT_WR); }

void notify_drain_readable(int app_fd) {
    char buf[256];
    while (sys::recv(app_fd, buf, sizeof buf, MSG_DONTWAIT) > 0) {
    }
}

void notify_block_writable(int app_fd) {
    static const char filler[4096] = {};
    // Writes until the kernel refuses: the send buffer is then full, far
    // above unix_writable()'s quarter mark.
    for (int i = 0; i < 64; ++i) {
        if (sys::send(app_fd, filler, sizeof filler, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) return;
    }
}

}  // namespace shunt::shm
