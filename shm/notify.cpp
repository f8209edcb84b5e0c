#include "shm/notify.hpp"

#include "shm/sys.hpp"

#include <poll.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

#include <cstddef>

namespace shunt::shm {

int notify_pair(int fds[2]) {
    if (long r = sys::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds); r < 0) return static_cast<int>(r);
    // The smallest send buffer the kernel allows on the app's end. Filler is
    // written one byte per skb: a handful make the end unwritable, and one
    // left (the sentinel, a whole skb of well under a quarter of the buffer
    // in truesize) keeps unix_writable() true. A partly read skb would keep
    // its whole truesize charged, so the daemon only ever reads whole ones.
    int small = 1;
    sys::setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    // The sentinel: one byte the daemon never reads. Closing an end with
    // unread bytes sets ECONNRESET on the other (Linux unix_release_sock),
    // which is how a reset or a dead daemon shows as POLLERR, as a TCP RST does.
    const char sentinel = 's';
    if (long r = sys::send(fds[0], &sentinel, 1, MSG_DONTWAIT | MSG_NOSIGNAL); r != 1) {
        sys::close(fds[0]);
        sys::close(fds[1]);
        return r < 0 ? static_cast<int>(r) : -EIO;
    }
    return 0;
}

void notify_signal_readable(int daemon_fd) {
    const char b = 'r';
    // EAGAIN cannot leave the app unreadable: bytes are already queued.
    (void)sys::send(daemon_fd, &b, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
}

void notify_unblock_writable(int daemon_fd) {
    // Every filler byte but one (the sentinel). One bounded read: an app
    // that keeps refilling cannot hold the worker here.
    int queued = 0;
    if (sys::raw(SYS_ioctl, daemon_fd, FIONREAD, reinterpret_cast<long>(&queued)) < 0 || queued <= 1) return;
    char buf[256];
    const std::size_t n = static_cast<std::size_t>(queued - 1);
    (void)sys::recv(daemon_fd, buf, n < sizeof buf ? n : sizeof buf, MSG_DONTWAIT);
}

void notify_hangup(int daemon_fd) {
    // The close sets the app's end's ECONNRESET and HUP and wakes it, and
    // only then frees the bytes it had not read (Linux unix_release_sock),
    // the filler among them: until the filler is gone the end is not
    // writable, so a waiter running on another CPU meanwhile would see
    // ERR|HUP without the OUT a reset TCP socket shows. Reading all but two
    // (the end stays unwritable with two, so nobody sees OUT early) leaves
    // that window one freed byte long.
    int queued = 0;
    if (sys::raw(SYS_ioctl, daemon_fd, FIONREAD, reinterpret_cast<long>(&queued)) == 0 && queued > 2) {
        char buf[256];
        const std::size_t n = static_cast<std::size_t>(queued - 2);
        (void)sys::recv(daemon_fd, buf, n < sizeof buf ? n : sizeof buf, MSG_DONTWAIT);
    }
    sys::close(daemon_fd);
}

void notify_eof(int daemon_fd) { sys::shutdown(daemon_fd, SHUT_WR); }

void notify_drain_readable(int app_fd) {
    char buf[256];
    // One recv takes every byte queued: a unix stream socket's recv copies
    // from skb after skb until the queue is empty (unix_stream_read_generic,
    // low-water mark 1, no SO_PASSCRED on the pair), so only a full buffer
    // can have left bytes behind. A byte sent after this is the rx_armed
    // handshake's to catch (its compare-exchange fails and drains again).
    while (sys::recv(app_fd, buf, sizeof buf, MSG_DONTWAIT) == static_cast<long>(sizeof buf)) {
    }
}

void notify_block_writable(int app_fd) {
    // One byte per skb until the kernel refuses: the send buffer is then
    // full, far above unix_writable()'s quarter mark (about six bytes).
    const char filler = 'f';
    for (int i = 0; i < 64; ++i) {
        if (sys::send(app_fd, &filler, 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) return;
    }
}

namespace {

// poll(fd, events, 0): whether `events` are there now.
bool ready_now(int fd, short events) {
    pollfd p{fd, events, 0};
    return sys::raw(SYS_poll, reinterpret_cast<long>(&p), 1, 0) == 1 && (p.revents & events);
}

}  // namespace

void notify_drain_readable_polled(int app_fd) {
    char buf[256];
    // Bounded, as the recv loop is by the queue: bytes keep coming only
    // from the daemon, a byte per readability.
    for (int i = 0; i < 64 && ready_now(app_fd, POLLIN); ++i) {
        if (sys::raw(SYS_read, app_fd, reinterpret_cast<long>(buf), sizeof buf) != static_cast<long>(sizeof buf))
            return;
    }
}

void notify_block_writable_polled(int app_fd) {
    const char filler = 'f';
    for (int i = 0; i < 64 && ready_now(app_fd, POLLOUT); ++i) {
        if (sys::raw(SYS_write, app_fd, reinterpret_cast<long>(&filler), 1) != 1) return;
    }
}

}  // namespace shunt::shm
