#include "daemon/udp_socket.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>

#include "daemon/bind_conflict.hpp"
#include "daemon/reuseport.hpp"
#include "daemon/session.hpp"
#include "lwip/ip4.h"
#include "lwip/netif.h"
#include "lwip/udp.h"
#include "shm/datagram.hpp"

namespace shunt::daemon {
namespace {

result<void> fail(int e) { return make_error(e); }

// lwIP's receive callback: the datagram becomes one record on the receive
// ring, or a drop when the ring is full.
void on_recv(void* arg, udp_pcb*, pbuf* p, const ip_addr_t* addr, u16_t port) {
    auto* s = static_cast<engine_socket*>(arg);
    // SO_REUSEPORT: lwIP gave it to the first member; the group decides.
    s = reuseport::pick_datagram(s, ip4_addr_get_u32(ip_2_ip4(addr)), lwip_htons(port));
    shm::dgram_header h{};
    h.len = p->tot_len;
    h.addr = ip4_addr_get_u32(ip_2_ip4(addr));
    h.port = lwip_htons(port);
    const bool written = shm::dgram_write(s->rx, h, [p](auto&& put) {
        for (const pbuf* q = p; q; q = q->next) put(q->payload, q->len);
    });
    pbuf_free(p);
    if (!written) {
        if (s->rx.free_space() < 0) return s->owner->fail("corrupt receive ring on socket " + std::to_string(s->id));
        ++s->rx_drops;
        return;
    }
    s->owner->mark(*s, nb_readable | nb_more);
}

}  // namespace

const engine_socket* udp_socket_of(const udp_pcb* pcb) {
    return pcb->recv == on_recv ? static_cast<const engine_socket*>(pcb->recv_arg) : nullptr;
}

result<void> udp_open(engine_socket& s) {
    udp_pcb* pcb = udp_new_ip_type(IPADDR_TYPE_V4);
    if (!pcb) return fail(ENOBUFS);
    s.udp = pcb;
    s.dgram = true;
    udp_recv(pcb, on_recv, &s);
    return {};
}

result<void> udp_bind_to(engine_socket& s, std::uint32_t addr_be, std::uint16_t port_be, bool privileged) {
    if (!s.udp) return fail(EINVAL);
    if (s.udp->local_port != 0) return fail(EINVAL);  // already bound
    if (!privileged) return fail(EACCES);
    if (addr_be != 0 && !local_address(addr_be)) return fail(EADDRNOTAVAIL);
    ip_addr_t a;
    ip_addr_set_ip4_u32_val(a, addr_be);
    const bool share = port_be != 0 && s.reuseport;
    // Linux's rules (daemon/bind_conflict.hpp); lwIP's own check, after, is
    // only ever stricter.
    if (port_be != 0)
        if (const int e = udp_port_conflict(s, addr_be, port_be)) return fail(e);
    if (share) ip_set_option(s.udp, SOF_REUSEADDR);  // lwIP lets pcbs that all carry it share the port
    const err_t e = udp_bind(s.udp, &a, lwip_ntohs(port_be));
    if (e != ERR_OK) {
        if (share && !s.reuseaddr) ip_reset_option(s.udp, SOF_REUSEADDR);
        return fail(lwip_errno(e));
    }
    if (share) reuseport::joined_datagram(s);
    return {};
}

result<void> udp_connect_to(engine_socket& s, std::uint32_t addr_be, std::uint16_t port_be, bool dissolve) {
    if (!s.udp) return fail(EINVAL);
    if (dissolve) {
        udp_disconnect(s.udp);
        s.connected = false;
        s.peer_addr = 0;
        s.peer_port = 0;
        // release: pairs with the app's acquire load of status.
        s.sh->status.fetch_and(~static_cast<std::uint32_t>(shm::st_connected), std::memory_order_release);
        return {};
    }
    ip_addr_t a;
    ip_addr_set_ip4_u32_val(a, addr_be);
    const err_t e = udp_connect(s.udp, &a, lwip_ntohs(port_be));  // binds an ephemeral port if unbound
    if (e != ERR_OK) return fail(lwip_errno(e));
    s.connected = true;
    s.peer_addr = addr_be;
    s.peer_port = port_be;
    publish_status(s, shm::st_connected);
    return {};
}

result<void> udp_set_option(engine_socket& s, int level, int name, int value) {
    if (!s.udp || level != SOL_SOCKET) return fail(ENOPROTOOPT);
    u8_t bit;
    switch (name) {
        case SO_REUSEPORT: s.reuseport = value != 0; return {};  // acted on at bind
        case SO_REUSEADDR:
            s.reuseaddr = value != 0;
            if (s.group) return {};  // a member's pcb keeps it (see udp_bind_to)
            bit = SOF_REUSEADDR;
            break;
        case SO_BROADCAST: bit = SOF_BROADCAST; break;
        default: return fail(ENOPROTOOPT);
    }
    if (value) ip_set_option(s.udp, bit);
    else ip_reset_option(s.udp, bit);
    return {};
}

result<int> udp_get_option(const engine_socket& s, int level, int name) {
    if (!s.udp || level != SOL_SOCKET) return make_error(ENOPROTOOPT);
    switch (name) {
        case SO_REUSEADDR: return s.reuseaddr ? 1 : 0;
        case SO_REUSEPORT: return s.reuseport ? 1 : 0;
        case SO_BROADCAST: return ip_get_option(s.udp, SOF_BROADCAST) ? 1 : 0;
        default: return make_error(ENOPROTOOPT);
    }
}

void udp_names(const engine_socket& s, shm::completion& c) {
    if (!s.udp) return;
    std::uint32_t local = ip4_addr_get_u32(ip_2_ip4(&s.udp->local_ip));
    if (local == 0 && s.connected) {
        // As the kernel: a connected socket's address is the one its route leaves from.
        const ip4_addr_t* peer = ip_2_ip4(&s.udp->remote_ip);
        if (netif* n = ip4_route(peer)) local = ip4_addr_get_u32(netif_ip4_addr(n));
    }
    c.local_addr = local;
    c.local_port = lwip_htons(s.udp->local_port);
    c.peer_addr = s.connected ? s.peer_addr : 0;
    c.peer_port = s.connected ? s.peer_port : 0;
}

namespace {

// Sends up to `budget` of the send ring's datagrams (see udp_pull_tx).
bool pull(engine_socket& s, std::uint32_t budget) {
    s.tx_retry = false;
    if (!s.udp) return true;
    for (std::uint32_t sent = 0;; ++sent) {
        if (sent == budget) {
            s.tx_retry = true;  // the rest on the next loop, after RX, timers and the other sockets
            break;
        }
        shm::dgram_header h;
        const auto st = shm::dgram_peek(s.tx, &h);
        if (st == shm::dgram_status::corrupt) return false;
        if (st == shm::dgram_status::empty) break;
        pbuf* p = pbuf_alloc(PBUF_TRANSPORT, static_cast<u16_t>(h.len), PBUF_RAM);
        if (!p) {
            s.tx_retry = true;
            break;
        }
        // COPY: the record's bytes are free for the app once lwIP has them.
        if (shm::dgram_copy_payload(s.tx, h, p->payload, h.len) != h.len) {
            pbuf_free(p);
            return false;
        }
        err_t e;
        if (h.addr == 0 && h.port == 0) {
            e = s.connected ? udp_send(s.udp, p) : static_cast<err_t>(ERR_RTE);  // the app checks EDESTADDRREQ first
        } else {
            ip_addr_t a;
            ip_addr_set_ip4_u32_val(a, h.addr);
            e = udp_sendto(s.udp, p, &a, lwip_ntohs(h.port));
        }
        pbuf_free(p);
        if (e == ERR_MEM) {
            s.tx_retry = true;  // kept on the ring for the next loop
            break;
        }
        // Any other failure (no route, ...) drops the datagram, as the wire would.
        shm::dgram_consume(s.tx, h);
    }
    maybe_unblock_tx(s);
    return true;
}

}  // namespace

bool udp_pull_tx(engine_socket& s) { return pull(s, k_udp_tx_budget); }

bool udp_close_socket(engine_socket& s) {
    // The datagrams already sent go out, as the kernel's queued ones do: all
    // of them (the ring bounds them; nobody adds more to a closed socket's).
    const bool ok = pull(s, UINT32_MAX);
    udp_reset(s);
    return ok;
}

void udp_reset(engine_socket& s) {
    reuseport::leave(s);
    if (!s.udp) return;
    udp_remove(s.udp);
    s.udp = nullptr;
}

void udp_describe(const engine_socket& s, socket_report& r) {
    r.proto = "udp";
    r.state = s.connected ? "ESTAB" : "UNCONN";
    shm::completion names{};
    udp_names(s, names);
    r.local_addr = names.local_addr;
    r.local_port = names.local_port;
    r.peer_addr = names.peer_addr;
    r.peer_port = names.peer_port;
    const std::int64_t unread = s.rx.free_space();
    if (unread >= 0) r.rx_queue = s.rx.capacity() - static_cast<std::uint64_t>(unread);
    const std::int64_t queued = s.tx.readable();
    if (queued > 0) r.tx_queue = static_cast<std::uint64_t>(queued);
    r.drops = s.rx_drops;
}

}  // namespace shunt::daemon
