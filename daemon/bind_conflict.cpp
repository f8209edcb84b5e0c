#include "daemon/bind_conflict.hpp"

#include <cerrno>

#include "daemon/engine_socket.hpp"
#include "daemon/session.hpp"
#include "daemon/tcp_socket.hpp"
#include "daemon/udp_socket.hpp"
#include "lwip/ip4.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"

namespace shunt::daemon {
namespace bind_rules {
namespace {

// inet_rcv_saddr_equal(sk, sk2, match_wildcard = true).
bool overlap(const claim& a, const claim& b) { return a.addr_be == 0 || b.addr_be == 0 || a.addr_be == b.addr_be; }

bool same_uid(const claim& me, const claim& held) { return me.uid && held.uid && *me.uid == *held.uid; }

}  // namespace

bool tcp_conflict(const claim& me, const claim& held) {
    if (!overlap(me, held)) return false;
    if (me.reuseaddr && held.reuseaddr && !held.listening) return false;
    return !(me.reuseport && held.reuseport && same_uid(me, held));
}

bool udp_conflict(const claim& me, const claim& held) {
    if (!overlap(me, held)) return false;
    if (me.reuseaddr && held.reuseaddr) return false;
    return !(me.reuseport && held.reuseport && same_uid(me, held));
}

}  // namespace bind_rules

namespace {

bind_rules::claim claim_of(const engine_socket* s, std::uint32_t addr_be, bool reuseaddr, bool listening) {
    bind_rules::claim c;
    c.addr_be = addr_be;
    c.reuseaddr = reuseaddr;
    c.listening = listening;
    if (s) {
        c.reuseport = s->reuseport;
        if (s->owner) c.uid = s->uid;
    }
    return c;
}

}  // namespace

int tcp_port_conflict(const engine_socket& s, std::uint32_t addr_be, std::uint16_t port_be) {
    const bind_rules::claim me = claim_of(&s, addr_be, s.reuseaddr, false);
    const u16_t port = lwip_ntohs(port_be);
    // Every list: listening, bound, active and TIME_WAIT pcbs all hold a port.
    for (tcp_pcb** list : tcp_pcb_lists) {
        for (const tcp_pcb* p = *list; p; p = p->next) {
            if (p->local_port != port || p == s.pcb) continue;
            const engine_socket* owner = tcp_socket_of(p);
            // The group's shared pcb, or a connection `s` has not accepted yet.
            if (owner == &s) continue;
            const bind_rules::claim held = claim_of(owner, ip4_addr_get_u32(ip_2_ip4(&p->local_ip)),
                                                    ip_get_option(p, SOF_REUSEADDR), p->state == LISTEN);
            if (bind_rules::tcp_conflict(me, held)) return EADDRINUSE;
        }
    }
    return 0;
}

int udp_port_conflict(const engine_socket& s, std::uint32_t addr_be, std::uint16_t port_be) {
    const bind_rules::claim me = claim_of(&s, addr_be, s.reuseaddr, false);
    const u16_t port = lwip_ntohs(port_be);
    for (const udp_pcb* p = udp_pcbs; p; p = p->next) {
        if (p->local_port != port || p == s.udp) continue;
        const engine_socket* owner = udp_socket_of(p);
        // A member's pcb carries SOF_REUSEADDR for lwIP's sake; its owner's
        // option is what it asked for.
        const bool reuseaddr = owner ? owner->reuseaddr : ip_get_option(p, SOF_REUSEADDR) != 0;
        const bind_rules::claim held = claim_of(owner, ip4_addr_get_u32(ip_2_ip4(&p->local_ip)), reuseaddr, false);
        if (bind_rules::udp_conflict(me, held)) return EADDRINUSE;
    }
    return 0;
}

}  // namespace shunt::daemon
