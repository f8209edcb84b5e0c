#include "daemon/tcp_socket.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
// <netinet/tcp.h>'s obsolete TCP_MSS option constant (512) would shadow
// lwIP's TCP_MSS setting; shunt uses TCP_MAXSEG for the option.
#undef TCP_MSS

#include <algorithm>
#include <atomic>
#include <cstring>

#include "daemon/bind_conflict.hpp"
#include "daemon/reuseport.hpp"
#include "daemon/session.hpp"
#include "daemon/tcp_memory.hpp"
#include "shm/fence.hpp"
#include "shm/notify.hpp"
#include "stack/tcp_rx_admit.hpp"
#include "lwip/netif.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"

namespace shunt::daemon {
namespace {

using namespace tcp_memory;

result<void> fail(int e) { return make_error(e); }

// Detaches our callbacks so lwIP never calls into a socket we are about to free.
void detach(tcp_pcb* pcb) {
    tcp_arg(pcb, nullptr);
    if (pcb->state == LISTEN) {
        tcp_accept(pcb, nullptr);
        return;
    }
    tcp_recv(pcb, nullptr);
    tcp_sent(pcb, nullptr);
    tcp_err(pcb, nullptr);
    tcp_poll(pcb, nullptr, 0);
}

void free_pending(engine_socket& s) {
    for (pbuf* p : s.rx_pending) pbuf_free(p);
    s.rx_pending.clear();
    charge_rx(s, -static_cast<std::int64_t>(s.heap_rx));
}

}  // namespace

namespace {

err_t on_recv(void* arg, tcp_pcb* pcb, pbuf* p, err_t err);
err_t on_sent(void* arg, tcp_pcb* pcb, u16_t len);
void on_err(void* arg, err_t err);
err_t on_connected(void* arg, tcp_pcb* pcb, err_t err);
err_t on_accept(void* arg, tcp_pcb* newpcb, err_t err);
err_t on_poll(void* arg, tcp_pcb* pcb);

// lwIP's poll timer period for on_poll, in TCP coarse ticks (500 ms).
constexpr u8_t k_poll_ticks = 2;

// lwIP asks before it takes a segment's data (stack/tcp_rx_admit.hpp):
// beyond the app's budget of lwIP's heap, a socket's segments are dropped
// before they are acknowledged (daemon/stack_memory.hpp), except the next
// in-order one of a socket that holds nothing, so every socket moves.
std::uint8_t rx_admit(tcp_pcb* pcb, std::uint32_t seqno, std::uint16_t len) {
    if (pcb->state == LISTEN || pcb->recv != on_recv) return 1;  // not an app's socket
    auto* s = static_cast<engine_socket*>(pcb->callback_arg);
    if (!s || s->closing) return 1;  // dropped on arrival (on_recv)
    if (s->rx_pending.empty() && TCP_SEQ_LEQ(seqno, pcb->rcv_nxt)) return 1;
    stack_memory_account& m = s->owner->stack_memory();
    if (m.room() >= len) return 1;
    m.count_drop();
    return 0;
}

// lwIP asks before it answers a SYN to a listener, and before a handshake
// completes (stack/tcp_rx_admit.hpp): while the listener the connection
// would join (SO_REUSEPORT: the one pick() chooses) has a full accept queue,
// or its app no room for one more socket, the segment is dropped and the
// client retransmits, as Linux drops it (LISTENOVERFLOWS) rather than reset
// a connection it has no room for.
std::uint8_t accept_full(tcp_pcb_listen* lpcb, std::uint32_t remote_be, std::uint16_t remote_port) {
    if (lpcb->accept != on_accept) return 0;
    auto* l = static_cast<engine_socket*>(lpcb->callback_arg);
    if (!l) return 0;
    l = reuseport::pick_for(l, remote_be, remote_port);
    return l->accept_queue.size() >= l->backlog || !l->owner->can_alloc_socket() ? 1 : 0;
}

void install_questions() {
    shunt_tcp_rx_admit = rx_admit;
    shunt_tcp_accept_full = accept_full;
}

void attach(engine_socket& s, tcp_pcb* pcb) {
    install_questions();
    s.pcb = pcb;
    tcp_arg(pcb, &s);
    tcp_recv(pcb, on_recv);
    tcp_sent(pcb, on_sent);
    tcp_err(pcb, on_err);
    tcp_poll(pcb, on_poll, k_poll_ticks);
}

// Remembers the pcb's addresses (they outlive it for getsockname/getpeername).
void remember_names(engine_socket& s) {
    // A member of an SO_REUSEPORT group holds an unbound pcb (or none): its
    // names were set when it joined.
    if (!s.pcb || (s.group && s.pcb->local_port == 0)) return;
    s.local_addr = ip4_addr_get_u32(ip_2_ip4(&s.pcb->local_ip));
    s.local_port = lwip_htons(s.pcb->local_port);
    if (!s.listener) {
        s.peer_addr = ip4_addr_get_u32(ip_2_ip4(&s.pcb->remote_ip));
        s.peer_port = lwip_htons(s.pcb->remote_port);
    }
}

// Both FINs are exchanged: lwIP finishes the close (CLOSING, TIME_WAIT) on
// its own and frees the pcb without telling us, so we let go of it now.
void release_pcb(engine_socket& s) {
    remember_names(s);
    detach(s.pcb);
    end_window(s);
    orphan_charge(s, s.pcb);
    s.pcb = nullptr;
}

// Finishes an app close once the send ring has drained into lwIP.
bool finish_close(engine_socket& s) {
    if (!s.pcb) return true;
    if (s.tx.readable() > 0) return false;
    tcp_pcb* pcb = s.pcb;
    detach(pcb);
    s.pcb = nullptr;
    // Every byte received was taken: lwIP's window is then whole again
    // (tcp_close resets a connection whose window is not: bytes unread).
    if (s.rcv_window && s.rx_pending.empty() && pcb->rcv_wnd == s.rcv_window) pcb->rcv_wnd = TCP_WND_MAX(pcb);
    end_window(s);
    free_pending(s);
    orphan_charge(s, pcb);  // before tcp_close, which may free the pcb
    // lwIP retries a FIN it had no memory for from its timer (TF_CLOSEPEND),
    // and from here on it owns the pcb through FIN_WAIT and TIME_WAIT.
    (void)tcp_close(pcb);
    return true;
}

err_t on_recv(void* arg, tcp_pcb* pcb, pbuf* p, err_t err) {
    auto* s = static_cast<engine_socket*>(arg);
    if (!s) {
        if (p) pbuf_free(p);
        return ERR_OK;
    }
    if (err != ERR_OK) {
        if (p) pbuf_free(p);
        return ERR_OK;
    }
    if (s->closing) {
        // The app has closed: bytes nobody will read are acknowledged and dropped.
        if (p) {
            tcp_recved(pcb, p->tot_len);
            pbuf_free(p);
        }
        return ERR_OK;
    }
    if (!p) {
        s->peer_fin = true;
        if (pcb->state == TIME_WAIT || pcb->state == CLOSING) release_pcb(*s);
    } else {
        s->rx_pending.push_back(p);
        charge_rx(*s, p->tot_len);
    }
    if (!tcp_push_rx(*s)) s->owner->fail("corrupt receive ring on socket " + std::to_string(s->id));
    return ERR_OK;
}

err_t on_sent(void* arg, tcp_pcb*, u16_t) {
    auto* s = static_cast<engine_socket*>(arg);
    if (s && !tcp_drive_tx(*s)) s->owner->fail("corrupt send ring on socket " + std::to_string(s->id));
    return ERR_OK;
}

// lwIP has freed the pcb (RFC 793 reset, retransmission timeout, or abort).
void on_err(void* arg, err_t err) {
    auto* s = static_cast<engine_socket*>(arg);
    if (!s) return;
    s->pcb = nullptr;
    charge_tx(*s);  // lwIP let go of everything the pcb held
    end_window(*s);
    if (err == ERR_CLSD) {
        // A normal close completed (LAST_ACK acknowledged): nothing failed.
        if (s->closing) s->owner->free_socket(*s);
        return;
    }
    free_pending(*s);
    int e = lwip_errno(err);
    if (err == ERR_RST && s->connecting) e = ECONNREFUSED;
    if (err == ERR_ABRT) e = ETIMEDOUT;  // we detach before our own aborts: this one is lwIP's timer
    s->connecting = false;
    s->sh->so_error.store(e, std::memory_order_relaxed);
    // The notify fd hangs up before the status says so (see tcp_push_rx).
    if (s->notify_fd >= 0 && !s->closing) notify_release(*s, true);
    publish_status(*s, shm::st_error);
    if (s->closing) {
        s->owner->free_socket(*s);
        return;
    }
    s->owner->mark(*s, nb_hangup);
}

err_t on_connected(void* arg, tcp_pcb*, err_t) {
    auto* s = static_cast<engine_socket*>(arg);
    if (!s) return ERR_OK;
    s->connecting = false;
    s->connected = true;
    start_window(*s);
    publish_status(*s, shm::st_connected);
    // The app made its fd unwritable when it opened the socket; now it may write.
    s->sh->tx_blocked.store(0, std::memory_order_relaxed);
    s->owner->mark(*s, nb_writable);
    if (!tcp_drive_tx(*s)) s->owner->fail("corrupt send ring on socket " + std::to_string(s->id));
    return ERR_OK;
}

err_t on_accept(void* arg, tcp_pcb* newpcb, err_t err) {
    auto* l = static_cast<engine_socket*>(arg);
    if (!l || err != ERR_OK || !newpcb) return ERR_VAL;
    l = reuseport::pick(l, newpcb);  // SO_REUSEPORT: one of the group's listeners
    engine_socket* s = nullptr;
    if (l->accept_queue.size() < l->backlog) s = l->owner->alloc_socket();
    if (!s) {
        // accept_full() kept such a handshake waiting; only a listener
        // closing under it gets here: refuse (the peer sees RST).
        tcp_abort(newpcb);
        return ERR_ABRT;
    }
    tcp_backlog_accepted(newpcb);
    attach(*s, newpcb);
    // Options a connection inherits from its listener (Linux: sk_clone_lock);
    // they keep the port as the listener held it (daemon/bind_conflict.hpp).
    s->reuseaddr = ip_get_option(newpcb, SOF_REUSEADDR) != 0;
    s->reuseport = l->reuseport;
    s->uid = l->uid;
    s->connected = true;
    start_window(*s);
    publish_status(*s, shm::st_connected);
    l->accept_queue.push_back(s->id);
    l->sh->accept_ready.store(static_cast<std::uint32_t>(l->accept_queue.size()), std::memory_order_release);
    l->owner->mark(*l, nb_readable);
    return ERR_OK;
}

// Every second while a connection lives: retries sending after lwIP ran out
// of memory (no ACK may be coming to call on_sent) and moving held bytes.
err_t on_poll(void* arg, tcp_pcb*) {
    auto* s = static_cast<engine_socket*>(arg);
    if (!s) return ERR_OK;
    if (!tcp_push_rx(*s)) {
        s->owner->fail("corrupt receive ring on socket " + std::to_string(s->id));
        return ERR_OK;
    }
    if (!tcp_drive_tx(*s)) s->owner->fail("corrupt send ring");
    return ERR_OK;
}

// Bytes the app has no room for are held as lwIP heap pbufs, not as the
// received frames: those are NIC mbufs, which a slow reader must not pin
// (the pool is shared by every app). Bounded by the receive window.
void hold_in_heap(engine_socket& s) {
    for (auto it = s.rx_pending.rbegin(); it != s.rx_pending.rend(); ++it) {
        bool zero_copy = false;
        for (pbuf* q = *it; q; q = q->next)
            if (q->flags & PBUF_FLAG_IS_CUSTOM) zero_copy = true;
        if (!zero_copy) return;  // older chains were moved already
        pbuf* copy = pbuf_clone(PBUF_RAW, PBUF_RAM, *it);
        if (!copy) return;  // out of heap: keep the frames (lwIP counts the error)
        pbuf_free(*it);
        *it = copy;
    }
}

}  // namespace

const engine_socket* tcp_socket_of(const tcp_pcb* pcb) {
    if (pcb->state == LISTEN)
        return reinterpret_cast<const tcp_pcb_listen*>(pcb)->accept == on_accept
                   ? static_cast<const engine_socket*>(pcb->callback_arg)
                   : nullptr;
    return pcb->recv == on_recv ? static_cast<const engine_socket*>(pcb->callback_arg) : nullptr;
}

result<void> tcp_open(engine_socket& s) {
    tcp_pcb* pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
    if (!pcb) return fail(ENOBUFS);
    attach(s, pcb);
    return {};
}

result<void> tcp_bind_to(engine_socket& s, std::uint32_t addr_be, std::uint16_t port_be, bool privileged) {
    if (!s.pcb || s.pcb->state != CLOSED) return fail(EINVAL);
    if (s.pcb->local_port != 0 || s.group) return fail(EINVAL);  // already bound
    if (!privileged) return fail(EACCES);
    ip_addr_t a;
    ip_addr_set_ip4_u32_val(a, addr_be);
    if (addr_be != 0 && !local_address(addr_be)) return fail(EADDRNOTAVAIL);
    if (port_be != 0) {
        // Linux's rules (daemon/bind_conflict.hpp); lwIP's own check, after,
        // is only ever stricter.
        if (const int e = tcp_port_conflict(s, addr_be, port_be)) return fail(e);
        if (s.reuseport && reuseport::join(s, addr_be, port_be)) return {};
    }
    const err_t e = tcp_bind(s.pcb, &a, lwip_ntohs(port_be));
    // No ephemeral port left for bind(port 0): Linux says EADDRINUSE.
    if (e == ERR_BUF && port_be == 0) return fail(EADDRINUSE);
    if (e != ERR_OK) return fail(lwip_errno(e));
    if (s.reuseport) reuseport::founded(s);
    return {};
}

result<void> tcp_listen_on(engine_socket& s, int backlog) {
    const std::uint32_t bl = backlog <= 0 ? 1u : std::min<std::uint32_t>(static_cast<std::uint32_t>(backlog), 4096u);
    if (s.listener) {
        s.backlog = bl;
        return {};
    }
    // Linux checks the port again (inet_csk_listen_start): of the sockets
    // SO_REUSEADDR let bind it, only one may listen.
    if (s.group) {
        if (const int e = tcp_port_conflict(s, s.local_addr, s.local_port)) return fail(e);
    } else if (s.pcb && s.pcb->local_port != 0) {
        if (const int e = tcp_port_conflict(s, ip4_addr_get_u32(ip_2_ip4(&s.pcb->local_ip)), lwip_htons(s.pcb->local_port)))
            return fail(e);
    }
    if (s.group && reuseport::join_listeners(s)) {
        // The group listens already: connections come through its pcb.
        s.listener = true;
        s.backlog = bl;
        publish_status(s, shm::st_listening);
        return {};
    }
    if (!s.pcb || s.pcb->state != CLOSED) return fail(EINVAL);
    if (s.pcb->local_port == 0) {
        // listen() without bind(): the kernel binds an ephemeral port.
        if (tcp_bind(s.pcb, IP4_ADDR_ANY, 0) != ERR_OK) return fail(EADDRINUSE);
    }
    err_t e = ERR_OK;
    tcp_pcb* l = tcp_listen_with_backlog_and_err(s.pcb, 255, &e);
    if (!l) return fail(lwip_errno(e));
    // lwIP freed the old pcb and gave us the listening one.
    s.pcb = l;
    tcp_arg(l, &s);
    tcp_accept(l, on_accept);
    install_questions();
    s.listener = true;
    s.backlog = bl;
    reuseport::listening(s);
    publish_status(s, shm::st_listening);
    return {};
}

result<void> tcp_connect_to(engine_socket& s, std::uint32_t addr_be, std::uint16_t port_be) {
    if (s.listener) return fail(EISCONN);
    if (s.connecting) return fail(EALREADY);
    if (s.connected) return fail(EISCONN);
    if (!s.pcb) return fail(s.sh->so_error.load(std::memory_order_relaxed) ?: ECONNABORTED);
    ip_addr_t a;
    ip_addr_set_ip4_u32_val(a, addr_be);
    const bool unbound = s.pcb->local_port == 0;
    const err_t e = tcp_connect(s.pcb, &a, lwip_ntohs(port_be), on_connected);
    // lwIP answers ERR_BUF when no ephemeral port is left; Linux's connect()
    // says EADDRNOTAVAIL.
    if (e == ERR_BUF && unbound) return fail(EADDRNOTAVAIL);
    if (e != ERR_OK) return fail(lwip_errno(e));
    s.connecting = true;
    publish_status(s, shm::st_connecting);
    return fail(EINPROGRESS);
}

result<void> tcp_shutdown_dir(engine_socket& s, int how) {
    if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR) return fail(EINVAL);
    if (s.listener) {
        // Linux: shutdown(SHUT_RD) of a listener stops it; queued connections are reset.
        if (how == SHUT_WR) return fail(ENOTCONN);
        for (std::uint32_t id : s.accept_queue) {
            if (engine_socket* c = s.owner->socket_by_id(id)) {
                tcp_reset(*c);
                s.owner->free_socket(*c);
            }
        }
        s.accept_queue.clear();
        s.sh->accept_ready.store(0, std::memory_order_release);
        reuseport::leave(s);  // the group's pcb, if this one held it, passes on
        if (s.pcb) {
            tcp_pcb* l = s.pcb;
            remember_names(s);
            detach(l);
            s.pcb = nullptr;
            tcp_close(l);
        }
        publish_status(s, shm::st_rx_eof);
        s.owner->mark(s, nb_eof);
        return {};
    }
    if (!s.connected) return fail(ENOTCONN);
    if (how != SHUT_RD) {
        s.fin_requested = true;
        publish_status(s, shm::st_tx_shut);
        if (!tcp_pull_tx(s)) s.owner->fail("corrupt send ring on socket " + std::to_string(s.id));
    }
    return {};
}

result<void> tcp_set_option(engine_socket& s, int level, int name, int value) {
    if (level == SOL_SOCKET && name == SO_REUSEPORT) {
        s.reuseport = value != 0;  // what bind() does with it (daemon/reuseport.hpp)
        return {};
    }
    if (level == SOL_SOCKET && name == SO_REUSEADDR) s.reuseaddr = value != 0;  // bind's rules (daemon/bind_conflict.hpp)
    tcp_pcb* p = s.pcb;
    if (!p) return {};  // a dead connection keeps no options (the kernel accepts them too)
    if (level == IPPROTO_TCP) {
        if (s.listener) return {};
        switch (name) {
            case TCP_NODELAY:
                if (value) tcp_nagle_disable(p);
                else tcp_nagle_enable(p);
                return {};
            case TCP_KEEPIDLE: p->keep_idle = static_cast<u32_t>(value) * 1000; return {};
            case TCP_KEEPINTVL: p->keep_intvl = static_cast<u32_t>(value) * 1000; return {};
            case TCP_KEEPCNT: p->keep_cnt = static_cast<u32_t>(value); return {};
            default: return fail(ENOPROTOOPT);
        }
    }
    if (level == SOL_SOCKET) {
        switch (name) {
            case SO_KEEPALIVE:
                if (value) ip_set_option(p, SOF_KEEPALIVE);
                else ip_reset_option(p, SOF_KEEPALIVE);
                return {};
            case SO_REUSEADDR:
                if (value) ip_set_option(p, SOF_REUSEADDR);
                else ip_reset_option(p, SOF_REUSEADDR);
                return {};
            default: return fail(ENOPROTOOPT);
        }
    }
    return fail(ENOPROTOOPT);
}

result<int> tcp_get_option(const engine_socket& s, int level, int name) {
    const tcp_pcb* p = s.pcb;
    if (level == IPPROTO_TCP) {
        switch (name) {
            case TCP_NODELAY: return p && !s.listener && tcp_nagle_disabled(p) ? 1 : 0;
            // A listening pcb is a smaller struct without the keepalive fields.
            case TCP_KEEPIDLE: return p && !s.listener ? static_cast<int>(p->keep_idle / 1000) : 7200;
            case TCP_KEEPINTVL: return p && !s.listener ? static_cast<int>(p->keep_intvl / 1000) : 75;
            case TCP_KEEPCNT: return p && !s.listener ? static_cast<int>(p->keep_cnt) : 9;
            case TCP_MAXSEG: return p && !s.listener ? static_cast<int>(tcp_mss(p)) : SHUNT_WIRE_MSS;
            case TCP_INFO: tcp_publish_info(s); return 0;
            default: return make_error(ENOPROTOOPT);
        }
    }
    if (level == SOL_SOCKET) {
        switch (name) {
            case SO_KEEPALIVE: return p && !s.listener && ip_get_option(p, SOF_KEEPALIVE) ? 1 : 0;
            case SO_REUSEADDR: return s.reuseaddr ? 1 : 0;
            case SO_REUSEPORT: return s.reuseport ? 1 : 0;
            case SO_ACCEPTCONN: return s.listener ? 1 : 0;
            default: return make_error(ENOPROTOOPT);
        }
    }
    return make_error(ENOPROTOOPT);
}

void tcp_names(engine_socket& s, shm::completion& c) {
    remember_names(s);
    c.local_addr = s.local_addr;
    c.local_port = s.local_port;
    c.peer_addr = s.peer_addr;
    c.peer_port = s.peer_port;
}

bool tcp_close_socket(engine_socket& s, bool abort) {
    s.closing = true;
    // Linux resets a connection closed with received bytes unread (RFC 2525).
    const std::int64_t space = s.rx.free_space();
    if (!s.rx_pending.empty() || space < 0 || static_cast<std::uint64_t>(space) < s.rx.capacity()) abort = true;
    for (std::uint32_t id : s.accept_queue) {
        if (engine_socket* c = s.owner->socket_by_id(id)) {
            tcp_reset(*c);
            s.owner->free_socket(*c);
        }
    }
    s.accept_queue.clear();
    reuseport::leave(s);  // the group's pcb, if this one held it, passes on
    if (!s.pcb) return true;
    if (abort || s.listener) {
        if (abort) {
            tcp_reset(s);
            return true;
        }
        tcp_pcb* l = s.pcb;
        detach(l);
        s.pcb = nullptr;
        tcp_close(l);  // a listening pcb closes without failing
        return true;
    }
    // Kernel semantics: queued bytes still go out, then the FIN.
    if (!tcp_pull_tx(s)) {
        tcp_reset(s);
        s.owner->fail("corrupt send ring on socket " + std::to_string(s.id));
        return true;
    }
    return finish_close(s);
}

void tcp_reset(engine_socket& s) {
    free_pending(s);
    reuseport::leave(s);
    if (!s.pcb) return;
    tcp_pcb* p = s.pcb;
    s.pcb = nullptr;
    charge_tx(s);  // the abort frees whatever lwIP held
    end_window(s);
    detach(p);
    if (p->state == LISTEN) tcp_close(p);
    else tcp_abort(p);  // RST to the peer
}

void tcp_adopt(engine_socket& s) {
    std::uint8_t bits = 0;
    if (s.rx.tail() != 0 || s.peer_fin) bits |= nb_readable;
    if (s.sh->status.load(std::memory_order_relaxed) & shm::st_rx_eof) bits |= nb_eof;
    if (!s.pcb) bits |= nb_hangup;
    if (bits) s.owner->mark(s, bits);
}

bool tcp_pull_tx(engine_socket& s) {
    if (!s.pcb || s.listener || !s.connected) return true;
    bool wrote = false;
    for (;;) {
        const std::int64_t avail = s.tx.readable();
        if (avail < 0) return false;
        if (avail == 0) break;
        const u16_t room = tcp_sndbuf(s.pcb);
        if (room == 0 || tcp_sndqueuelen(s.pcb) >= TCP_SND_QUEUELEN) break;
        // The app's budget of lwIP's heap (daemon/stack_memory.hpp): at
        // it, its bytes wait in its ring until acknowledgements free some.
        const std::uint64_t budget = s.owner->stack_memory().room();
        if (budget == 0) {
            s.owner->wait_for_stack_memory(s);
            break;
        }
        const std::uint8_t* p;
        std::size_t n = s.tx.contiguous(static_cast<std::size_t>(avail), &p);
        n = std::min<std::size_t>({n, room, budget});
        const bool more = n < static_cast<std::size_t>(avail);
        // COPY: the ring bytes are free for the app as soon as lwIP has them.
        const err_t e = tcp_write(s.pcb, p, static_cast<u16_t>(n),
                                  TCP_WRITE_FLAG_COPY | (more ? TCP_WRITE_FLAG_MORE : 0));
        if (e == ERR_MEM) break;  // retried from on_sent or on_poll
        if (e != ERR_OK) break;   // the connection is closing; on_err reports it
        s.tx.consume(n);
        charge_tx(s);
        wrote = true;
    }
    charge_tx(s);  // acknowledgements since the last pull
    s.sh->tx_unsent.store(static_cast<std::uint32_t>(s.heap_tx), std::memory_order_relaxed);
    if (wrote) tcp_output(s.pcb);
    maybe_unblock_tx(s);
    if (s.tx.readable() == 0 && s.fin_requested && !s.closing && s.pcb &&
        (s.pcb->state == ESTABLISHED || s.pcb->state == CLOSE_WAIT)) {
        tcp_shutdown(s.pcb, 0, 1);
    }
    return true;
}

bool tcp_drive_tx(engine_socket& s) {
    if (!tcp_pull_tx(s)) return false;
    if (s.closing && finish_close(s)) s.owner->free_socket(s);  // s is gone
    return true;
}

bool tcp_push_rx(engine_socket& s) {
    bool pushed = false;
    std::uint64_t moved = 0;
    for (;;) {
        while (!s.rx_pending.empty()) {
            pbuf* p = s.rx_pending.front();
            if (p->len == 0) {
                // lwIP trims overlapping segments to zero-length pbufs: drop them.
                pbuf* next = p->next;
                if (next) pbuf_ref(next);
                pbuf_free(p);
                if (next) s.rx_pending.front() = next;
                else s.rx_pending.pop_front();
                continue;
            }
            const std::int64_t space = s.rx.free_space();
            if (space < 0) return false;
            if (space == 0) break;
            const std::size_t n = std::min<std::size_t>(p->len, static_cast<std::size_t>(space));
            if (s.rx.write(p->payload, n) < 0) return false;
            pushed = true;
            if (s.pcb) tcp_recved(s.pcb, static_cast<u16_t>(n));
            charge_rx(s, -static_cast<std::int64_t>(n));
            moved += n;
            // Frees the pbufs wholly copied and advances into a partly copied one.
            if (pbuf* rest = pbuf_free_header(p, static_cast<u16_t>(n))) s.rx_pending.front() = rest;
            else s.rx_pending.pop_front();
        }
        if (s.rx_pending.empty()) break;
        // Tell the app to ring rx_space when it makes room; then look again in
        // case it already did (fences pair with the app's after its read).
        s.sh->rx_full.store(1, std::memory_order_relaxed);
        shm::store_load_fence();
        if (s.rx.free_space() <= 0 || !s.sh->rx_full.exchange(0, std::memory_order_relaxed)) break;
    }
    if (moved) grow_window(s, moved);
    hold_in_heap(s);
    if (s.peer_fin && s.rx_pending.empty() && !(s.sh->status.load(std::memory_order_relaxed) & shm::st_rx_eof)) {
        // The notify fd shows EOF before the status says so: an app that
        // sees rx_eof and then polls must find RDHUP already (not at the
        // loop's end, when the flush would apply it).
        if (s.notify_fd >= 0) shm::notify_eof(s.notify_fd);
        publish_status(s, shm::st_rx_eof);
        s.owner->mark(s, nb_eof | nb_readable);
    } else if (pushed) {
        s.owner->mark(s, nb_readable | nb_more);
    }
    return true;
}

}  // namespace shunt::daemon
