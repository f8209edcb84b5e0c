// A TCP listener bound to 0.0.0.0 serves both stacks, as the kernel's would
// serve every interface: connections that reach the host's kernel and those
// that reach shuntd's ports. At listen(), shuntd listens on the same port,
// and the app's fd becomes an epoll fd holding the kernel listener and the
// shunt listener's notify socket (both kept as private fds): it is readable
// (for poll, select, epoll, also nested, also EPOLLEXCLUSIVE) when either has
// a connection, and accept() takes from whichever has one.
#include <fcntl.h>
#include <sys/epoll.h>

#include "preload/channel.hpp"
#include "preload/log.hpp"
#include "preload/op_helpers.hpp"
#include "preload/real.hpp"
#include "preload/socket_ops.hpp"

namespace shunt::preload {

accel_socket* dual_start::give_up(const char* what, int e) {
    log_line(log_level::info, "%s0.0.0.0:%u stays on the kernel only (shuntd %s: %s)", kind, ntohs(local.sin_port),
             what, std::strerror(e));
    shm::sys::close(notify);
    op_release(s);
    s = nullptr;
    return nullptr;
}

bool start_dual(int fd, int type, dual_start& d) {
    socklen_t len = sizeof d.local;
    if (raw(SYS_getsockname, fd, reinterpret_cast<long>(&d.local), reinterpret_cast<long>(&len)) < 0) return false;
    d.fl = raw(SYS_fcntl, fd, F_GETFL);
    d.fdfl = raw(SYS_fcntl, fd, F_GETFD);
    if (d.fl < 0 || d.fdfl < 0) return false;
    auto opened = open_in_daemon(fd, type, &d.notify);
    if (!opened || !*opened) return false;
    d.s = *opened;
    sockaddr_in any = d.local;
    any.sin_addr.s_addr = INADDR_ANY;
    if (auto r = op_bind(*d.s, any); !r) {
        d.give_up("bind", r.err().code);
        return false;
    }
    return true;
}

accel_socket* make_dual_listener(int fd, int backlog) {
    dual_start d;
    if (!start_dual(fd, SOCK_STREAM, d)) return nullptr;
    accel_socket* s = d.s;
    const long fl = d.fl, fdfl = d.fdfl;
    const int notify = d.notify;
    const sockaddr_in& local = d.local;
    if (auto r = op_listen(*s, backlog); !r) return d.give_up("listen", r.err().code);
    // The kernel listener moves to a private fd, non-blocking: accept() tries
    // it without waiting and waits on the epoll fd instead.
    const long kfd = raw(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 3);
    if (kfd < 0) return d.give_up("dup", static_cast<int>(-kfd));
    raw(SYS_fcntl, kfd, F_SETFL, fl | O_NONBLOCK);
    const long ep = raw(SYS_epoll_create1, EPOLL_CLOEXEC);
    if (ep < 0) {
        shm::sys::close(static_cast<int>(kfd));
        return d.give_up("epoll", static_cast<int>(-ep));
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = static_cast<int>(kfd);
    long r = raw(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, kfd, reinterpret_cast<long>(&ev));
    ev.data.fd = notify;
    if (r == 0) r = raw(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, notify, reinterpret_cast<long>(&ev));
    if (r < 0) {
        shm::sys::close(static_cast<int>(ep));
        shm::sys::close(static_cast<int>(kfd));
        return d.give_up("epoll", static_cast<int>(-r));
    }
    // The epoll fd takes over the app's fd number (its file flags follow).
    raw(SYS_dup3, ep, fd, (fdfl & FD_CLOEXEC) ? O_CLOEXEC : 0);
    shm::sys::close(static_cast<int>(ep));
    if (fl & O_NONBLOCK) raw(SYS_fcntl, fd, F_SETFL, O_NONBLOCK);
    s->kernel_fd = static_cast<int>(kfd);
    s->notify_fd = notify;
    log_line(log_level::debug, "0.0.0.0:%u listens on the kernel and on shuntd", ntohs(local.sin_port));
    return s;
}

result<int> dual_accept(int fd, accel_socket& s, sockaddr* addr, socklen_t* len, int flags) {
    if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) return err(EINVAL);
    // Alternate which stack goes first, so neither starves the other.
    static thread_local unsigned turn = 0;
    for (;;) {
        for (unsigned i = 0; i < 2; ++i) {
            if ((turn + i) % 2 == 0) {
                const int c = real::accept4(s.kernel_fd, addr, len, flags);
                if (c >= 0) {
                    ++turn;
                    return c;
                }
                if (errno != EAGAIN && errno != EWOULDBLOCK) return err(errno);
            } else {
                auto c = op_accept(s.notify_fd, s, addr, len, flags, true);
                if (c) {
                    ++turn;
                    return c;
                }
                if (c.err().code != EAGAIN) return c;
            }
        }
        if (s.nonblocking.load(std::memory_order_relaxed)) return err(EAGAIN);
        if (s.shut_rd.load(std::memory_order_relaxed)) return err(EINVAL);
        pollfd p{fd, POLLIN, 0};
        const long r = raw(SYS_poll, reinterpret_cast<long>(&p), 1, timeout_ms(s.rcvtimeo));
        if (r == 0) return err(EAGAIN);
        if (r < 0) return err(static_cast<int>(-r));
    }
}

}  // namespace shunt::preload
