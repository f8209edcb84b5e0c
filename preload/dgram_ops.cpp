// Operations on accelerated UDP sockets, with the kernel's semantics
// (net/ipv4/udp.c, net/ipv4/af_inet.c): whole datagrams through the socket's
// message rings (shm/datagram.hpp), the destination or source in each record.
#include <fcntl.h>
#include <linux/sockios.h>
#include <sched.h>

#include "preload/app_lock.hpp"
#include "preload/op_helpers.hpp"
#include "preload/socket_ops.hpp"
#include "shm/datagram.hpp"

namespace shunt::preload {
namespace {

// Copies the record's payload into the iovecs; returns the bytes copied.
std::size_t copy_out(const shm::byte_ring_consumer& rx, const shm::dgram_header& h, const iovec* iov, int iovcnt) {
    std::size_t done = 0;
    for (int i = 0; i < iovcnt && done < h.len; ++i) {
        const std::size_t n = shm::dgram_copy_payload(rx, h, iov[i].iov_base, iov[i].iov_len, done);
        done += n;
        if (n < iov[i].iov_len) break;
    }
    return done;
}

bool connected(const accel_socket& s) { return status_of(s) & shm::st_connected; }

}  // namespace

result<int> op_dgram_connect(accel_socket& s, const sockaddr* addr, socklen_t len) {
    if (!addr || len < static_cast<socklen_t>(sizeof(sa_family_t))) return err(EINVAL);
    shm::command c = make_cmd(shm::op::connect, s);
    if (addr->sa_family == AF_UNSPEC) {
        c.a = 1;  // dissolve the association
    } else {
        if (len < static_cast<socklen_t>(sizeof(sockaddr_in))) return err(EINVAL);
        if (addr->sa_family != AF_INET) return err(EAFNOSUPPORT);
        sockaddr_in sin;
        std::memcpy(&sin, addr, sizeof sin);
        c.addr = sin.sin_addr.s_addr;
        c.port = sin.sin_port;
    }
    const auto cpl = s.ch->call(c);
    if (cpl.result < 0) return err(static_cast<int>(-cpl.result));
    return 0;
}

result<ssize_t> op_dgram_send(int fd, accel_socket& s, const iovec* iov, int iovcnt, int flags, const sockaddr* to,
                              socklen_t tolen) {
    shm::dgram_header h{};
    if (to) {
        // As udp_sendmsg: AF_UNSPEC counts as AF_INET; port 0 is invalid.
        if (tolen < static_cast<socklen_t>(sizeof(sockaddr_in))) return err(EINVAL);
        if (to->sa_family != AF_INET && to->sa_family != AF_UNSPEC) return err(EAFNOSUPPORT);
        sockaddr_in sin;
        std::memcpy(&sin, to, sizeof sin);
        if (sin.sin_port == 0) return err(EINVAL);
        h.addr = sin.sin_addr.s_addr;
        h.port = sin.sin_port;
    } else if (!connected(s)) {
        return err(EDESTADDRREQ);
    }
    if (s.shut_wr.load(std::memory_order_relaxed)) {
        raise_sigpipe(flags);
        return err(EPIPE);
    }
    if (s.ch->dead()) return err(ENETDOWN);  // shuntd is gone, and the network with it
    const std::size_t len = iov_total(iov, iovcnt);
    if (len > shm::dgram_max_payload(s.tx.capacity())) return err(EMSGSIZE);
    h.len = static_cast<std::uint32_t>(len);
    const bool nonblock = s.nonblocking.load(std::memory_order_relaxed) || (flags & MSG_DONTWAIT);
    for (;;) {
        bool written;
        {
            app_lock lk(&s.sh->app_tx_lock);
            if (!lk.owned()) return err(EAGAIN);  // re-entered from a signal handler
            s.tx.resync();
            written = shm::dgram_write(s.tx, h, [iov, iovcnt](auto&& put) {
                for (int i = 0; i < iovcnt; ++i) put(iov[i].iov_base, iov[i].iov_len);
            });
            if (!written && s.tx.free_space() < 0) return err(EIO);
        }
        if (written) {
            // seq_cst fence: the tail store before the look at tx_pending;
            // pairs with the daemon's fence after it clears tx_pending.
            shm::store_load_fence();
            if (s.sh->tx_pending.load(std::memory_order_relaxed) == 0 &&
                s.sh->tx_pending.exchange(1, std::memory_order_relaxed) == 0)
                s.ch->ring(shm::ring_kind::tx_ready, s.id);
            // Writable means a quarter ring free, as for TCP (the kernel's
            // sock_writeable asks for half the send buffer).
            if (s.tx.free_space() < static_cast<std::int64_t>(s.tx.capacity() / 4)) (void)block_tx(fd, s);
            return static_cast<ssize_t>(len);
        }
        // No room for the record: the fd stops being writable until the
        // daemon has drained a quarter of the ring.
        const bool room = block_tx(fd, s);
        if (nonblock && !room) return err(EAGAIN);
        if (room) {
            // A quarter ring is free but this record is larger: shuntd is
            // draining the ring now, so give it the CPU and look again.
            if (nonblock) return err(EAGAIN);
            sandbox::yield_cpu();
            continue;
        }
        const int w = wait_fd(fd, s, POLLOUT, timeout_ms(s.sndtimeo));
        if (w < 0) return err(-w);  // EINTR, EAGAIN, or EBADF: closed by another thread
        if (!s.ch->daemon_alive()) return err(ENETDOWN);
    }
}

result<ssize_t> op_dgram_recv(int fd, accel_socket& s, const iovec* iov, int iovcnt, int flags, sockaddr* from,
                              socklen_t* fromlen, int* msg_flags) {
    if (flags & MSG_ERRQUEUE) return err(EAGAIN);  // shunt keeps no error queue
    const bool nonblock = s.nonblocking.load(std::memory_order_relaxed) || (flags & MSG_DONTWAIT);
    const bool peek = flags & MSG_PEEK;
    for (;;) {
        {
            app_lock lk(&s.sh->app_rx_lock);
            if (!lk.owned()) return err(EAGAIN);  // re-entered from a signal handler
            s.rx.resync();
            shm::dgram_header h;
            const auto st = shm::dgram_peek(s.rx, &h);
            if (st == shm::dgram_status::corrupt) return err(EIO);
            if (st == shm::dgram_status::ok) {
                const std::size_t n = copy_out(s.rx, h, iov, iovcnt);
                if (!peek) {
                    shm::dgram_consume(s.rx, h);
                    // The last datagram taken: the fd stops being readable now
                    // (an edge-triggered waiter must see the next arrival).
                    if (s.rx.readable() == 0 && shm::rx_flag::set(s.sh->rx_armed)) readable_ended(fd, s);
                }
                fill_sockaddr(from, fromlen, h.addr, h.port);
                if (msg_flags) *msg_flags = n < h.len ? MSG_TRUNC : 0;
                // MSG_TRUNC asks for the datagram's real length (udp_recvmsg).
                return static_cast<ssize_t>((flags & MSG_TRUNC) ? h.len : n);
            }
        }
        if (s.shut_rd.load(std::memory_order_relaxed)) {
            if (fromlen) *fromlen = 0;
            if (msg_flags) *msg_flags = 0;
            return 0;
        }
        if (!nonblock && spin_until(s.ch->spin_us(), [&s] { return s.rx.readable() != 0; })) continue;
        if (ring_found_empty(fd, s, nonblock)) continue;
        if (nonblock) return err(EAGAIN);
        const int w = wait_fd(fd, s, POLLIN, timeout_ms(s.rcvtimeo));
        if (w < 0) return err(-w);  // EINTR, EAGAIN, or EBADF: closed by another thread
        if (s.rx.readable() == 0 && !s.shut_rd.load(std::memory_order_relaxed) && !s.ch->daemon_alive())
            return err(ENETDOWN);  // shuntd is gone, and the network with it
    }
}

// Linux applies shutdown() to any UDP socket (waking its sleepers) but
// reports ENOTCONN for one that is not connected (inet_shutdown).
result<int> op_dgram_shutdown(int fd, accel_socket& s, int how) {
    if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR) return err(EINVAL);
    if (how != SHUT_WR) {
        s.shut_rd.store(true, std::memory_order_relaxed);
        shm::sys::shutdown(fd, SHUT_RD);  // sleepers in recv wake and read 0
    }
    if (how != SHUT_RD) {
        s.shut_wr.store(true, std::memory_order_relaxed);
        shm::sys::shutdown(fd, SHUT_WR);
    }
    return connected(s) ? result<int>(0) : err(ENOTCONN);
}

int dgram_next_length(accel_socket& s) {
    app_lock lk(&s.sh->app_rx_lock);
    if (!lk.owned()) return 0;  // re-entered from a signal handler
    s.rx.resync();
    shm::dgram_header h;
    return shm::dgram_peek(s.rx, &h) == shm::dgram_status::ok ? static_cast<int>(h.len) : 0;
}

}  // namespace shunt::preload
