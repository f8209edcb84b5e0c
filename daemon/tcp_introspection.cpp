// What a TCP socket's state looks like from outside: the TCP_INFO answer and
// its line in `shuntctl sockets` (lwIP's pcb read, never changed).
#include <netinet/in.h>
#include <netinet/tcp.h>
#undef TCP_MSS  // <netinet/tcp.h>'s obsolete constant would shadow lwIP's option

#include <cstring>

#include "daemon/tcp_socket.hpp"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"

namespace shunt::daemon {

namespace {

// Linux's numbering of TCP states (include/net/tcp_states.h).
std::uint8_t linux_state(const engine_socket& s) {
    if (s.listener) return s.pcb || s.group ? 10 : 7;  // TCP_LISTEN (SO_REUSEPORT: the group's pcb), TCP_CLOSE
    if (!s.pcb) return s.peer_fin ? 6 : 7;  // TCP_TIME_WAIT (let go after both FINs), TCP_CLOSE
    switch (s.pcb->state) {
        case ESTABLISHED: return 1;
        case SYN_SENT: return 2;
        case SYN_RCVD: return 3;
        case FIN_WAIT_1: return 4;
        case FIN_WAIT_2: return 5;
        case TIME_WAIT: return 6;
        case CLOSED: return 7;
        case CLOSE_WAIT: return 8;
        case LAST_ACK: return 9;
        case LISTEN: return 10;
        case CLOSING: return 11;
    }
    return 7;
}

}  // namespace

// TCP_INFO into the socket's shared area; lwIP measures RTT in coarse
// ticks (TCP_SLOW_INTERVAL ms), so rtt is what that resolution gives.
void tcp_publish_info(const engine_socket& s) {
    shm::tcp_info_shared i{};
    i.state = linux_state(s);
    if (const tcp_pcb* p = s.listener ? nullptr : s.pcb) {
        i.retransmits = p->nrtx;
        i.total_retrans = p->nrtx;
        i.options = static_cast<std::uint8_t>(((p->flags & TF_WND_SCALE) ? 4 : 0) |  // TCPI_OPT_WSCALE
                                              ((p->flags & TF_SACK) ? 2 : 0));     // TCPI_OPT_SACK
        i.wscale = static_cast<std::uint8_t>((p->snd_scale & 15) << 4 | (p->rcv_scale & 15));
        i.rto_us = static_cast<std::uint32_t>(p->rto) * TCP_SLOW_INTERVAL * 1000u;
        i.rtt_us = static_cast<std::uint32_t>(p->sa >> 3) * TCP_SLOW_INTERVAL * 1000u;
        i.rttvar_us = static_cast<std::uint32_t>(p->sv >> 2) * TCP_SLOW_INTERVAL * 1000u;
        const std::uint32_t mss = p->mss ? p->mss : 536;
        i.snd_mss = i.rcv_mss = i.advmss = mss;
        i.pmtu = mss + 40;
        for (const tcp_seg* seg = p->unacked; seg; seg = seg->next) ++i.unacked;
        i.snd_ssthresh = p->ssthresh / mss;
        i.snd_cwnd = p->cwnd / mss;
        i.rcv_space = p->rcv_wnd;
    }
    std::memcpy(&s.sh->info, &i, sizeof i);  // ordered by the call's completion (release)
}


namespace {

const char* state_name(const engine_socket& s) {
    if (s.listener) return s.pcb || s.group ? "LISTEN" : "CLOSED";
    if (!s.pcb) return s.peer_fin ? "TIME-WAIT" : "CLOSED";  // let go after both FINs, or reset
    switch (s.pcb->state) {
        case CLOSED: return "CLOSED";
        case LISTEN: return "LISTEN";
        case SYN_SENT: return "SYN-SENT";
        case SYN_RCVD: return "SYN-RECV";
        case ESTABLISHED: return "ESTAB";
        case FIN_WAIT_1: return "FIN-WAIT-1";
        case FIN_WAIT_2: return "FIN-WAIT-2";
        case CLOSE_WAIT: return "CLOSE-WAIT";
        case CLOSING: return "CLOSING";
        case LAST_ACK: return "LAST-ACK";
        case TIME_WAIT: return "TIME-WAIT";
    }
    return "UNKNOWN";
}

}  // namespace

void tcp_describe(const engine_socket& s, socket_report& r) {
    r.proto = "tcp";
    r.state = state_name(s);
    if (s.pcb && !(s.group && s.pcb->local_port == 0)) {
        r.local_addr = ip4_addr_get_u32(ip_2_ip4(&s.pcb->local_ip));
        r.local_port = lwip_htons(s.pcb->local_port);
        if (!s.listener) {
            r.peer_addr = ip4_addr_get_u32(ip_2_ip4(&s.pcb->remote_ip));
            r.peer_port = lwip_htons(s.pcb->remote_port);
            r.retrans = s.pcb->nrtx;
            r.rtt_ms = static_cast<std::uint32_t>(s.pcb->sa >> 3) * TCP_SLOW_INTERVAL;
            r.rto_ms = static_cast<std::uint32_t>(s.pcb->rto) * TCP_SLOW_INTERVAL;
            r.cwnd = s.pcb->cwnd;
            r.snd_wnd = s.pcb->snd_wnd;
            r.tx_queue = TCP_SND_BUF - s.pcb->snd_buf;
        }
    } else {
        r.local_addr = s.local_addr;
        r.local_port = s.local_port;
        r.peer_addr = s.peer_addr;
        r.peer_port = s.peer_port;
    }
    if (s.listener) {
        r.rx_queue = s.accept_queue.size();  // as ss: connections waiting in accept
        r.tx_queue = s.backlog;
        return;
    }
    const std::int64_t unread = s.rx.free_space();
    if (unread >= 0) r.rx_queue = s.rx.capacity() - static_cast<std::uint64_t>(unread);
    for (const pbuf* p : s.rx_pending) r.rx_queue += p->tot_len;
    const std::int64_t queued = s.tx.readable();
    if (queued > 0) r.tx_queue += static_cast<std::uint64_t>(queued);
}

}  // namespace shunt::daemon
