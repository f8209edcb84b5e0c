#include "preload/socket_ops.hpp"

#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>

#include <linux/capability.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "preload/app_lock.hpp"
#include "preload/fd_table.hpp"
#include "preload/fork_holders.hpp"
#include "preload/io_uring_guard.hpp"
#include "preload/op_helpers.hpp"

namespace shunt::preload {
namespace {

// Options the kernel socket had before it moved, forwarded to shuntd.
void replay_options(int fd, accel_socket& s) {
    struct opt {
        int level, name, dflt;
    };
    static constexpr opt forwarded[] = {
        {SOL_SOCKET, SO_REUSEADDR, 0}, {SOL_SOCKET, SO_REUSEPORT, 0}, {SOL_SOCKET, SO_BROADCAST, 0},
        {SOL_SOCKET, SO_KEEPALIVE, 0},
        {IPPROTO_TCP, TCP_NODELAY, 0},
        {IPPROTO_TCP, TCP_KEEPIDLE, 7200}, {IPPROTO_TCP, TCP_KEEPINTVL, 75}, {IPPROTO_TCP, TCP_KEEPCNT, 9},
    };
    for (const auto& o : forwarded) {
        int v = 0;
        socklen_t len = sizeof v;
        if (shm::sys::getsockopt(fd, o.level, o.name, &v, &len) < 0 || v == o.dflt) continue;
        (void)op_setsockopt(s, o.level, o.name, &v, sizeof v);
    }
    linger l{};
    socklen_t len = sizeof l;
    if (shm::sys::getsockopt(fd, SOL_SOCKET, SO_LINGER, &l, &len) == 0) {
        s.linger_on = l.l_onoff;
        s.linger_s = l.l_linger;
    }
    len = sizeof s.rcvtimeo;
    shm::sys::getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &s.rcvtimeo, &len);
    len = sizeof s.sndtimeo;
    shm::sys::getsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &s.sndtimeo, &len);
    len = sizeof s.rcvbuf;
    shm::sys::getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &s.rcvbuf, &len);
    len = sizeof s.sndbuf;
    shm::sys::getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &s.sndbuf, &len);
}


}  // namespace

accel_socket* attach_socket(channel* ch, std::uint32_t id, bool dgram, bool fresh) {
    const auto& v = ch->view();
    if (id >= v.geometry().max_sockets) return nullptr;
    accel_socket* s = accel_socket_new();
    if (!s) return nullptr;
    ch->socket_added();
    s->ch = ch;
    s->id = id;
    s->sh = v.socket(id);
    s->tx = shm::byte_ring_producer(&s->sh->tx, v.tx_data(id), v.geometry().ring_bytes);
    s->rx = shm::byte_ring_consumer(&s->sh->rx, v.rx_data(id), v.geometry().ring_bytes);
    s->dgram = dgram;
    if (fresh) {
        s->sh->app_refs.store(1, std::memory_order_relaxed);
    } else {
        const std::uint32_t st = s->sh->status.load(std::memory_order_acquire);
        s->listener.store((st & shm::st_listening) != 0, std::memory_order_relaxed);
        s->connect_reported.store((st & shm::st_connected) != 0, std::memory_order_relaxed);
    }
    s->fd_refs.store(1, std::memory_order_relaxed);
    return s;
}

result<accel_socket*> open_in_daemon(int fd, int type, int* notify) {
    if (io_uring_guard::kernel_only()) return static_cast<accel_socket*>(nullptr);
    channel* ch = channel::get();
    if (!ch) return static_cast<accel_socket*>(nullptr);
    const long fl = raw(SYS_fcntl, fd, F_GETFL);
    if (fl < 0) return err(EBADF);
    int pair[2];
    if (int r = shm::notify_pair(pair); r < 0) return err(-r);
    // A TCP socket is not writable until connected (a listener never is), as
    // the kernel's; a UDP socket is writable at once.
    const bool dgram = type == SOCK_DGRAM;
    if (!dgram) shm::notify_block_writable(pair[0]);
    shm::command c{};
    c.opcode = static_cast<std::uint32_t>(shm::op::open);
    c.a = dgram ? SOCK_DGRAM : SOCK_STREAM;
    c.b = fd;
    // Both ends: shuntd signals on its own and clears readability on ours.
    const shm::completion cpl = ch->call(c, pair[1], pair[0], true);  // the opener's euid owns it
    shm::sys::close(pair[1]);
    if (cpl.result < 0) {
        shm::sys::close(pair[0]);
        if (cpl.result == -ECONNRESET && !ch->daemon_alive()) {
            channel::forget_dead();  // no daemon: the socket stays on the kernel
            return static_cast<accel_socket*>(nullptr);
        }
        return err(static_cast<int>(-cpl.result));
    }
    accel_socket* s = attach_socket(ch, cpl.sock, dgram, true);
    if (!s) {
        shm::sys::close(pair[0]);
        return err(ENOBUFS);
    }
    s->sh->tx_blocked.store(dgram ? 0 : 1, std::memory_order_relaxed);
    s->nonblocking.store((fl & O_NONBLOCK) != 0, std::memory_order_relaxed);
    replay_options(fd, *s);
    *notify = pair[0];
    return s;
}

result<accel_socket*> accelerate(int fd, int type) {
    const long fl = raw(SYS_fcntl, fd, F_GETFL);
    const long fdfl = raw(SYS_fcntl, fd, F_GETFD);
    if (fl < 0 || fdfl < 0) return err(EBADF);
    int notify = -1;
    auto s = open_in_daemon(fd, type, &notify);
    if (!s || !*s) return s;
    // The notify end takes over the fd number (closing the kernel socket).
    raw(SYS_dup3, notify, fd, (fdfl & FD_CLOEXEC) ? O_CLOEXEC : 0);
    shm::sys::close(notify);
    if (fl & O_NONBLOCK) raw(SYS_fcntl, fd, F_SETFL, O_NONBLOCK);
    return s;
}

namespace {

// Ports below this need CAP_NET_BIND_SERVICE (the kernel's sysctl, read once).
unsigned unprivileged_port_start() {
    static const unsigned start = [] {
        unsigned v = 1024;
        if (std::FILE* f = std::fopen("/proc/sys/net/ipv4/ip_unprivileged_port_start", "re")) {
            if (std::fscanf(f, "%u", &v) != 1) v = 1024;
            std::fclose(f);
        }
        return v;
    }();
    return start;
}

// The calling thread's effective CAP_NET_BIND_SERVICE, asked now: the
// process may have dropped privileges since it attached to shuntd, whose
// own check only knows the credentials of that moment.
bool may_bind_privileged() {
    __user_cap_header_struct h{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct d[2] = {};
    if (raw(SYS_capget, reinterpret_cast<long>(&h), reinterpret_cast<long>(d)) != 0) return false;
    return d[CAP_NET_BIND_SERVICE / 32].effective & (1u << (CAP_NET_BIND_SERVICE % 32));
}

}  // namespace

result<int> op_bind(accel_socket& s, const sockaddr_in& a) {
    const unsigned port = ntohs(a.sin_port);
    if (port != 0 && port < unprivileged_port_start() && !may_bind_privileged()) return err(EACCES);
    shm::command c = make_cmd(shm::op::bind, s);
    c.addr = a.sin_addr.s_addr;
    c.port = a.sin_port;
    const auto cpl = s.ch->call(c, -1, -1, true);  // shuntd checks the privilege too, with these credentials
    if (cpl.result < 0) return err(static_cast<int>(-cpl.result));
    return 0;
}

result<int> op_listen(accel_socket& s, int backlog) {
    if (s.dgram) return err(EOPNOTSUPP);
    shm::command c = make_cmd(shm::op::listen, s);
    c.a = backlog;
    const auto cpl = s.ch->call(c);
    if (cpl.result < 0) return err(static_cast<int>(-cpl.result));
    s.listener.store(true, std::memory_order_relaxed);
    return 0;
}

result<int> op_connect(int fd, accel_socket& s, const sockaddr_in& a) {
    shm::command c = make_cmd(shm::op::connect, s);
    c.addr = a.sin_addr.s_addr;
    c.port = a.sin_port;
    const auto cpl = s.ch->call(c);
    if (cpl.result != -EINPROGRESS) {
        if (cpl.result == -EISCONN && (status_of(s) & shm::st_connected) &&
            !s.connect_reported.exchange(true, std::memory_order_relaxed))
            return 0;  // the second connect() of a non-blocking connect that succeeded
        return err(cpl.result < 0 ? static_cast<int>(-cpl.result) : EIO);
    }
    if (s.nonblocking.load(std::memory_order_relaxed)) return err(EINPROGRESS);
    for (;;) {
        const std::uint32_t st = status_of(s);
        if (st & shm::st_connected) {
            s.connect_reported.store(true, std::memory_order_relaxed);
            return 0;
        }
        if (st & shm::st_error) {
            const int e = take_error(s);
            return err(e ? e : ECONNREFUSED);
        }
        const int w = wait_fd(fd, s, POLLOUT, timeout_ms(s.sndtimeo));
        if (w == -EAGAIN) return err(EINPROGRESS);
        if (w < 0) return err(-w);  // EINTR, or EBADF: closed by another thread
        if (!s.ch->daemon_alive()) return err(ECONNRESET);
    }
}

result<int> op_accept(int fd, accel_socket& s, sockaddr* addr, socklen_t* len, int flags, bool force_nonblock) {
    if (s.dgram) return err(EOPNOTSUPP);
    if (!s.listener.load(std::memory_order_relaxed)) return err(EINVAL);
    const bool nonblock = force_nonblock || s.nonblocking.load(std::memory_order_relaxed);
    for (;;) {
        if (s.shut_rd.load(std::memory_order_relaxed)) return err(EINVAL);  // shutdown() of the listener
        // acquire: pairs with the daemon's release of accept_ready.
        if (s.sh->accept_ready.load(std::memory_order_acquire) == 0) {
            if (!nonblock && spin_until(s.ch->spin_us(), [&s] {
                    return s.sh->accept_ready.load(std::memory_order_acquire) > 0 ||
                           s.shut_rd.load(std::memory_order_relaxed);
                }))
                continue;
            // Clear readability, then look again.
            if (!clear_readable(fd, s, [&s] { return s.sh->accept_ready.load(std::memory_order_acquire) > 0; })) {
                if (!s.ch->daemon_alive()) return err(ECONNABORTED);
                if (nonblock) return err(EAGAIN);
                const int w = wait_fd(fd, s, POLLIN, timeout_ms(s.rcvtimeo));
                if (w < 0) return err(-w);  // EINTR, EAGAIN, or EBADF: closed by another thread
                continue;
            }
        }
        fork_holders::creating hold;  // until the new socket is in the fd table
        int pair[2];
        if (int r = shm::notify_pair(pair); r < 0) return err(-r == EMFILE ? EMFILE : ENFILE);
        shm::command c = make_cmd(shm::op::accept, s);
        c.b = pair[0];  // the new socket's fd number
        const shm::completion cpl = s.ch->call(c, pair[1], pair[0]);
        shm::sys::close(pair[1]);
        if (cpl.result == -EAGAIN) {  // another thread or process took it
            shm::sys::close(pair[0]);
            continue;
        }
        if (cpl.result < 0) {
            shm::sys::close(pair[0]);
            return err(static_cast<int>(-cpl.result));
        }
        accel_socket* ns = attach_socket(s.ch, cpl.sock, false, true);
        if (!ns) {
            shm::sys::close(pair[0]);
            return err(ENOBUFS);
        }
        ns->nonblocking.store((flags & SOCK_NONBLOCK) != 0, std::memory_order_relaxed);
        ns->connect_reported.store(true, std::memory_order_relaxed);
        int nfd = pair[0];
        if (!(flags & SOCK_CLOEXEC)) raw(SYS_fcntl, nfd, F_SETFD, 0);
        if (flags & SOCK_NONBLOCK) raw(SYS_fcntl, nfd, F_SETFL, O_NONBLOCK);
        fill_sockaddr(addr, len, cpl.peer_addr, cpl.peer_port);
        fd_table::set(nfd, ns);
        // Took the last one: the listener stops being readable (see op_recv).
        if (s.sh->accept_ready.load(std::memory_order_acquire) == 0 && shm::rx_flag::set(s.sh->rx_armed))
            (void)clear_readable(fd, s, [&s] { return s.sh->accept_ready.load(std::memory_order_acquire) > 0; });
        return nfd;
    }
}

result<ssize_t> op_send(int fd, accel_socket& s, const iovec* iov, int iovcnt, int flags) {
    const std::size_t want = iov_total(iov, iovcnt);
    const bool nonblock = s.nonblocking.load(std::memory_order_relaxed) || (flags & MSG_DONTWAIT);
    std::size_t sent = 0;
    int vi = 0;
    std::size_t voff = 0;
    for (;;) {
        if (s.ch->dead()) {  // shuntd is gone, and every connection with it
            if (sent) return static_cast<ssize_t>(sent);
            raise_sigpipe(flags);
            return err(EPIPE);
        }
        const std::uint32_t st = status_of(s);
        if (st & shm::st_error) {
            if (sent) return static_cast<ssize_t>(sent);
            const int e = take_error(s);
            if (e && e != EPIPE) return err(e);
            raise_sigpipe(flags);
            return err(EPIPE);
        }
        if (s.shut_wr.load(std::memory_order_relaxed) || (st & shm::st_tx_shut)) {
            raise_sigpipe(flags);
            return err(EPIPE);
        }
        if (!(st & shm::st_connected)) {
            if (s.listener.load(std::memory_order_relaxed)) return err(ENOTCONN);
            if (!(st & shm::st_connecting)) {  // never connected: Linux says EPIPE
                raise_sigpipe(flags);
                return err(EPIPE);
            }
            // Connecting: wait for the connection as the kernel does.
            if (nonblock) return err(EAGAIN);
            const int w = wait_fd(fd, s, POLLOUT, timeout_ms(s.sndtimeo));
            if (w < 0) return err(-w);  // EINTR, EAGAIN, or EBADF: closed by another thread
            if (!(status_of(s) & (shm::st_connected | shm::st_error))) return err(ENOTCONN);
            continue;
        }
        if (want == 0) return 0;
        std::size_t n = 0;
        {
            app_lock lk(&s.sh->app_tx_lock);
            if (!lk.owned()) return err(EAGAIN);  // re-entered from a signal handler
            s.tx.resync();
            while (vi < iovcnt) {
                const std::int64_t w = s.tx.write(static_cast<const char*>(iov[vi].iov_base) + voff,
                                                  iov[vi].iov_len - voff);
                if (w < 0) return err(EIO);
                n += static_cast<std::size_t>(w);
                voff += static_cast<std::size_t>(w);
                if (voff < iov[vi].iov_len) break;  // ring full
                ++vi;
                voff = 0;
            }
        }
        if (n) {
            sent += n;
            // seq_cst fence: the tail store comes before the look at tx_pending;
            // pairs with the daemon's fence after it clears tx_pending.
            shm::store_load_fence();
            if (s.sh->tx_pending.load(std::memory_order_relaxed) == 0 &&
                s.sh->tx_pending.exchange(1, std::memory_order_relaxed) == 0)
                s.ch->ring(shm::ring_kind::tx_ready, s.id);
        }
        const auto quarter = static_cast<std::int64_t>(s.tx.capacity() / 4);
        if (!nonblock && sent < want && s.tx.free_space() < quarter &&
            spin_until(s.ch->spin_us(), [&] { return s.tx.free_space() >= quarter || (status_of(s) & shm::st_error); }))
            continue;
        // Writable must mean "a send takes at least a quarter ring", as the
        // kernel's sk_stream_is_writeable: below that the fd stops being
        // writable now, before a poller is told it may write.
        const bool room = s.tx.free_space() >= static_cast<std::int64_t>(s.tx.capacity() / 4) || block_tx(fd, s);
        if (sent == want) return static_cast<ssize_t>(sent);
        if (sent && nonblock) return static_cast<ssize_t>(sent);
        if (room) continue;  // the daemon drained meanwhile
        if (nonblock) return err(EAGAIN);
        const int w = wait_fd(fd, s, POLLOUT, timeout_ms(s.sndtimeo));
        if (w < 0) {  // EINTR, EAGAIN, or EBADF: closed by another thread
            if (sent) return static_cast<ssize_t>(sent);
            return err(-w);
        }
        if (!s.ch->daemon_alive()) {
            if (sent) return static_cast<ssize_t>(sent);
            raise_sigpipe(flags);
            return err(EPIPE);
        }
    }
}

result<ssize_t> op_recv(int fd, accel_socket& s, const iovec* iov, int iovcnt, int flags) {
    const std::size_t want = iov_total(iov, iovcnt);
    const bool nonblock = s.nonblocking.load(std::memory_order_relaxed) || (flags & MSG_DONTWAIT);
    const bool peek = flags & MSG_PEEK;
    const bool waitall = (flags & MSG_WAITALL) && !peek;
    if (s.listener.load(std::memory_order_relaxed)) return err(ENOTCONN);
    if (want == 0) return 0;
    std::size_t got = 0;
    for (;;) {
        if (s.shut_rd.load(std::memory_order_relaxed)) return static_cast<ssize_t>(got);
        {
            app_lock lk(&s.sh->app_rx_lock);
            if (!lk.owned()) return err(EAGAIN);  // re-entered from a signal handler
            s.rx.resync();
            const std::int64_t avail = s.rx.readable();
            if (avail < 0) return err(EIO);
            std::size_t skip = 0, off = got;
            int vi = 0;
            while (vi < iovcnt && off >= iov[vi].iov_len) off -= iov[vi++].iov_len;
            std::size_t n = 0;
            while (vi < iovcnt && skip + n < static_cast<std::size_t>(avail)) {
                const std::int64_t c = s.rx.peek(static_cast<char*>(iov[vi].iov_base) + off, iov[vi].iov_len - off, n);
                if (c <= 0) break;
                n += static_cast<std::size_t>(c);
                off += static_cast<std::size_t>(c);
                if (off == iov[vi].iov_len) {
                    ++vi;
                    off = 0;
                }
            }
            if (n && !peek) {
                s.rx.consume(n);
                // seq_cst fence: head store before the look at rx_full; pairs
                // with the daemon's fence after it sets rx_full.
                shm::store_load_fence();
                if (s.sh->rx_full.load(std::memory_order_relaxed) &&
                    s.sh->rx_full.exchange(0, std::memory_order_relaxed))
                    s.ch->ring(shm::ring_kind::rx_space, s.id);
            }
            got += n;
            // Emptied the ring while the fd was readable: it must stop being
            // readable now, not at the next EAGAIN, or an edge-triggered
            // waiter that reads no further (nginx) never sees the next edge.
            // shuntd's worker does it if it can (deferred_clear.hpp).
            if (n && !peek && s.rx.readable() == 0 && shm::rx_flag::set(s.sh->rx_armed) &&
                !(status_of(s) & (shm::st_rx_eof | shm::st_error)))
                readable_ended(fd, s);
        }
        if (got == want || (got && !waitall) || (peek && got)) return static_cast<ssize_t>(got);
        const std::uint32_t st = status_of(s);
        if (st & shm::st_rx_eof) {
            if (s.rx.readable() > 0) continue;
            return static_cast<ssize_t>(got);
        }
        if (st & shm::st_error) {
            if (s.rx.readable() > 0) continue;
            if (got) return static_cast<ssize_t>(got);
            const int e = take_error(s);
            if (e) return err(e);
            return 0;
        }
        if (!(st & (shm::st_connected | shm::st_connecting))) return err(ENOTCONN);
        if (!nonblock && spin_until(s.ch->spin_us(), [&s] {
                return s.rx.readable() != 0 || (status_of(s) & (shm::st_rx_eof | shm::st_error));
            }))
            continue;
        if (ring_found_empty(fd, s, nonblock)) continue;
        if (status_of(s) & (shm::st_rx_eof | shm::st_error)) continue;
        if (got && nonblock) return static_cast<ssize_t>(got);
        if (nonblock) return err(EAGAIN);
        const int w = wait_fd(fd, s, POLLIN, timeout_ms(s.rcvtimeo));
        if (w < 0) {  // EINTR, EAGAIN, or EBADF: closed by another thread
            if (got) return static_cast<ssize_t>(got);
            return err(-w);
        }
        if (!(status_of(s) & (shm::st_rx_eof | shm::st_error)) && s.rx.readable() == 0 && !s.ch->daemon_alive()) {
            if (got) return static_cast<ssize_t>(got);
            return err(ECONNRESET);  // shuntd is gone: the connection with it
        }
    }
}

result<int> op_shutdown(int fd, accel_socket& s, int how) {
    if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR) return err(EINVAL);
    if (s.listener.load(std::memory_order_relaxed)) {
        // Linux stops a listener on SHUT_RD (or RDWR); blocked accepts fail with EINVAL.
        if (how == SHUT_WR) return err(ENOTCONN);
        shm::command c = make_cmd(shm::op::shutdown, s);
        c.a = SHUT_RD;
        const auto cpl = s.ch->call(c);
        if (cpl.result < 0) return err(static_cast<int>(-cpl.result));
        s.shut_rd.store(true, std::memory_order_relaxed);
        shm::sys::shutdown(fd, SHUT_RD);  // wakes threads asleep on the fd
        return 0;
    }
    if (!(status_of(s) & shm::st_connected)) return err(ENOTCONN);
    if (how == SHUT_RD || how == SHUT_RDWR) {
        s.shut_rd.store(true, std::memory_order_relaxed);
        // Our own end reads EOF from now on: sleepers wake, recv returns 0.
        shm::sys::shutdown(fd, SHUT_RD);
    }
    if (how == SHUT_WR || how == SHUT_RDWR) {
        shm::command c = make_cmd(shm::op::shutdown, s);
        c.a = SHUT_WR;
        const auto cpl = s.ch->call(c);
        if (cpl.result < 0) return err(static_cast<int>(-cpl.result));
        s.shut_wr.store(true, std::memory_order_relaxed);
        // Our end stops sending too: once the peer's FIN has also come, the
        // fd reports POLLHUP, as a TCP socket shut down both ways does.
        shm::sys::shutdown(fd, SHUT_WR);
    }
    return 0;
}

result<int> op_name(accel_socket& s, bool peer, sockaddr* addr, socklen_t* len) {
    const auto cpl = s.ch->call(make_cmd(shm::op::names, s));
    if (cpl.result < 0) return err(static_cast<int>(-cpl.result));
    if (peer) {
        if (!(status_of(s) & shm::st_connected) || (cpl.peer_addr == 0 && cpl.peer_port == 0)) return err(ENOTCONN);
        fill_sockaddr(addr, len, cpl.peer_addr, cpl.peer_port);
    } else {
        fill_sockaddr(addr, len, cpl.local_addr, cpl.local_port);
    }
    return 0;
}

}  // namespace shunt::preload
