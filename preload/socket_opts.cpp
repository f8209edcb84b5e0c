// Socket options, ioctls and the release of an accelerated socket.
//
// Options split three ways: those shuntd implements on the pcb (forwarded:
// TCP_NODELAY, TCP_KEEP*, SO_KEEPALIVE, SO_REUSEADDR, SO_REUSEPORT; for UDP
// SO_REUSEADDR, SO_REUSEPORT and SO_BROADCAST), those the app side
// keeps (SO_LINGER, timeouts, buffer sizes), and those that describe the
// socket (SO_TYPE, SO_DOMAIN, SO_PROTOCOL, SO_ERROR, SO_ACCEPTCONN). A small
// set with no effect on a user-space stack is accepted and ignored (listed in
// docs/libshunt.md); anything else is ENOPROTOOPT.
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>

#include <algorithm>
#include <cstring>

#include "preload/epoll_fast.hpp"
#include "preload/app_lock.hpp"
#include "preload/channel.hpp"
#include "preload/socket_ops.hpp"
#include "shm/sys.hpp"

namespace shunt::preload {
namespace {

error err(int e) { return error{e, {}}; }

bool forwarded(const accel_socket& s, int level, int name) {
    if (s.dgram) return level == SOL_SOCKET && (name == SO_REUSEADDR || name == SO_REUSEPORT || name == SO_BROADCAST);
    if (level == SOL_SOCKET) return name == SO_KEEPALIVE || name == SO_REUSEADDR || name == SO_REUSEPORT;
    if (level == IPPROTO_TCP)
        return name == TCP_NODELAY || name == TCP_KEEPIDLE || name == TCP_KEEPINTVL || name == TCP_KEEPCNT ||
               name == TCP_MAXSEG;
    return false;
}

bool accepted_no_op(const accel_socket& s, int level, int name) {
    if (level == SOL_SOCKET) return name == SO_PRIORITY || name == SO_OOBINLINE;
    if (level == IPPROTO_IP) return name == IP_TOS || name == IP_TTL;
    if (level == IPPROTO_TCP && !s.dgram) return name == TCP_QUICKACK || name == TCP_DEFER_ACCEPT || name == TCP_FASTOPEN;
    return false;
}

result<int> put_int(void* val, socklen_t* len, int v) {
    if (!val || !len || *len < static_cast<socklen_t>(sizeof(int))) return err(EINVAL);
    std::memcpy(val, &v, sizeof v);
    *len = sizeof v;
    return 0;
}

// TCP_INFO: shuntd fills the socket's info area while answering the call.
result<int> tcp_info(accel_socket& s, void* val, socklen_t* len) {
    if (!val || !len) return err(EFAULT);
    shm::command c{};
    c.opcode = static_cast<std::uint32_t>(shm::op::getopt);
    c.sock = s.id;
    c.a = IPPROTO_TCP;
    c.b = TCP_INFO;
    const auto cpl = s.ch->call(c);
    if (cpl.result < 0) return err(static_cast<int>(-cpl.result));
    shm::tcp_info_shared i;
    std::memcpy(&i, &s.sh->info, sizeof i);
    struct tcp_info t{};
    t.tcpi_state = i.state;
    t.tcpi_retransmits = i.retransmits;
    t.tcpi_options = i.options;
    t.tcpi_snd_wscale = i.wscale >> 4;
    t.tcpi_rcv_wscale = i.wscale & 15;
    t.tcpi_rto = i.rto_us;
    t.tcpi_ato = 40000;  // lwIP's delayed ACK timer (TCP_FAST_INTERVAL)
    t.tcpi_snd_mss = i.snd_mss;
    t.tcpi_rcv_mss = i.rcv_mss;
    t.tcpi_unacked = i.unacked;
    t.tcpi_pmtu = i.pmtu;
    t.tcpi_rtt = i.rtt_us;
    t.tcpi_rttvar = i.rttvar_us;
    t.tcpi_snd_ssthresh = i.snd_ssthresh;
    t.tcpi_snd_cwnd = i.snd_cwnd;
    t.tcpi_advmss = i.advmss;
    t.tcpi_rcv_space = i.rcv_space;
    t.tcpi_total_retrans = i.total_retrans;
    // As the kernel: as much of the struct as the caller has room for.
    const socklen_t n = std::min<socklen_t>(*len, sizeof t);
    std::memcpy(val, &t, static_cast<std::size_t>(n));
    *len = n;
    return 0;
}

}  // namespace

result<int> op_getsockopt(accel_socket& s, int level, int name, void* val, socklen_t* len) {
    if (s.dgram && level == IPPROTO_TCP) return err(EOPNOTSUPP);  // as Linux's UDP (setsockopt: ENOPROTOOPT)
    if (level == SOL_SOCKET) {
        switch (name) {
            case SO_TYPE: return put_int(val, len, s.dgram ? SOCK_DGRAM : SOCK_STREAM);
            case SO_DOMAIN: return put_int(val, len, AF_INET);
            case SO_PROTOCOL: return put_int(val, len, s.dgram ? IPPROTO_UDP : IPPROTO_TCP);
            case SO_ERROR: return put_int(val, len, s.sh->so_error.exchange(0, std::memory_order_relaxed));
            case SO_ACCEPTCONN: return put_int(val, len, s.listener.load(std::memory_order_relaxed) ? 1 : 0);
            case SO_RCVBUF: return put_int(val, len, s.rcvbuf);
            case SO_KEEPALIVE:
                if (s.dgram) return put_int(val, len, s.dgram_keepalive);  // stored, no effect (as Linux)
                break;
            case SO_SNDBUF: return put_int(val, len, s.sndbuf);
            case SO_LINGER: {
                if (!val || !len || *len < static_cast<socklen_t>(sizeof(linger))) return err(EINVAL);
                const linger l{s.linger_on, s.linger_s};
                std::memcpy(val, &l, sizeof l);
                *len = sizeof l;
                return 0;
            }
            case SO_RCVTIMEO:
            case SO_SNDTIMEO: {
                if (!val || !len || *len < static_cast<socklen_t>(sizeof(timeval))) return err(EINVAL);
                std::memcpy(val, name == SO_RCVTIMEO ? &s.rcvtimeo : &s.sndtimeo, sizeof(timeval));
                *len = sizeof(timeval);
                return 0;
            }
            default: break;
        }
    }
    if (level == IPPROTO_TCP && name == TCP_INFO) return tcp_info(s, val, len);
    if (forwarded(s, level, name)) {
        shm::command c{};
        c.opcode = static_cast<std::uint32_t>(shm::op::getopt);
        c.sock = s.id;
        c.a = level;
        c.b = name;
        const auto cpl = s.ch->call(c);
        if (cpl.result < 0) return err(static_cast<int>(-cpl.result));
        return put_int(val, len, cpl.value);
    }
    if (accepted_no_op(s, level, name)) return put_int(val, len, 0);
    return err(ENOPROTOOPT);
}

result<int> op_setsockopt(accel_socket& s, int level, int name, const void* val, socklen_t len) {
    if (level == SOL_SOCKET) {
        switch (name) {
            case SO_LINGER: {
                if (!val || len < static_cast<socklen_t>(sizeof(linger))) return err(EINVAL);
                linger l;
                std::memcpy(&l, val, sizeof l);
                s.linger_on = l.l_onoff;
                s.linger_s = l.l_linger;
                return 0;
            }
            case SO_RCVTIMEO:
            case SO_SNDTIMEO: {
                if (!val || len < static_cast<socklen_t>(sizeof(timeval))) return err(EINVAL);
                timeval tv;
                std::memcpy(&tv, val, sizeof tv);
                if (tv.tv_usec < 0 || tv.tv_usec >= 1000000) return err(EDOM);
                (name == SO_RCVTIMEO ? s.rcvtimeo : s.sndtimeo) = tv;
                return 0;
            }
            case SO_KEEPALIVE:
                if (!s.dgram) break;
                if (!val || len < static_cast<socklen_t>(sizeof(int))) return err(EINVAL);
                std::memcpy(&s.dgram_keepalive, val, sizeof(int));
                s.dgram_keepalive = s.dgram_keepalive != 0;
                return 0;
            case SO_RCVBUF:
            case SO_SNDBUF: {
                if (!val || len < static_cast<socklen_t>(sizeof(int))) return err(EINVAL);
                int v;
                std::memcpy(&v, val, sizeof v);
                // The kernel doubles the value for its bookkeeping and reports that.
                const int kept = v < 2304 ? 4608 : (v > (1 << 29) ? (1 << 30) : 2 * v);
                (name == SO_RCVBUF ? s.rcvbuf : s.sndbuf) = kept;
                return 0;
            }
            default: break;
        }
    }
    if (forwarded(s, level, name) && !(level == IPPROTO_TCP && name == TCP_MAXSEG)) {
        if (!val || len < static_cast<socklen_t>(sizeof(int))) return err(EINVAL);
        int v;
        std::memcpy(&v, val, sizeof v);
        if ((name == TCP_KEEPIDLE || name == TCP_KEEPINTVL) && (v < 1 || v > 32767)) return err(EINVAL);
        if (name == TCP_KEEPCNT && (v < 1 || v > 127)) return err(EINVAL);
        shm::command c{};
        c.opcode = static_cast<std::uint32_t>(shm::op::setopt);
        c.sock = s.id;
        c.a = level;
        c.b = name;
        c.c = v;
        const auto cpl = s.ch->call(c);
        if (cpl.result < 0) return err(static_cast<int>(-cpl.result));
        return 0;
    }
    if (accepted_no_op(s, level, name) || (!s.dgram && level == IPPROTO_TCP && name == TCP_MAXSEG)) return 0;
    return err(ENOPROTOOPT);
}

result<int> op_ioctl(int, accel_socket& s, unsigned long req, void* arg) {
    if (!arg) return err(EFAULT);
    int v = 0;
    switch (req) {
        case FIONREAD: {  // == SIOCINQ
            if (s.listener.load(std::memory_order_relaxed)) return err(EINVAL);
            if (s.dgram) {  // the next datagram's length (udp_ioctl)
                v = dgram_next_length(s);
                break;
            }
            app_lock lk(&s.sh->app_rx_lock);
            if (!lk.owned()) return err(EAGAIN);  // re-entered from a signal handler
            s.rx.resync();
            const std::int64_t r = s.rx.readable();
            v = r < 0 ? 0 : static_cast<int>(r);
            break;
        }
        case SIOCOUTQ: {
            app_lock lk(&s.sh->app_tx_lock);
            if (!lk.owned()) return err(EAGAIN);  // re-entered from a signal handler
            s.tx.resync();
            const std::int64_t used = static_cast<std::int64_t>(s.tx.capacity()) - s.tx.free_space();
            v = static_cast<int>(used + s.sh->tx_unsent.load(std::memory_order_relaxed));
            break;
        }
        default: return err(ENOTTY);
    }
    std::memcpy(arg, &v, sizeof v);
    return 0;
}

void op_release(accel_socket* s) {
    if (s->fd_refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    epoll_fast::socket_gone(s);  // the kernel drops its registrations with the file
    s->clear_deferred.store(false, std::memory_order_relaxed);  // nothing left to settle here
    // A listener on both stacks: this process's private fds go with its last fd.
    if (s->kernel_fd >= 0) shm::sys::close(s->kernel_fd);
    if (s->notify_fd >= 0) shm::sys::close(s->notify_fd);
    // The last fd of this process: it lets go in shuntd, which closes the
    // socket when no process holds it any more (daemon/socket_holders.hpp).
    s->sh->app_refs.fetch_sub(1, std::memory_order_relaxed);
    shm::command c{};
    c.opcode = static_cast<std::uint32_t>(shm::op::close);
    c.sock = s->id;
    c.a = (s->linger_on && s->linger_s == 0) ? 1 : 0;  // SO_LINGER 0: RST
    (void)s->ch->call(c);
    channel* ch = s->ch;
    accel_socket_free(s);
    ch->socket_removed();
}

}  // namespace shunt::preload
