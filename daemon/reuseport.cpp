#include "daemon/reuseport.hpp"

#include <algorithm>
#include <cerrno>
#include <memory>
#include <vector>

#include "daemon/engine_socket.hpp"
#include "daemon/session.hpp"
#include "lwip/tcp.h"
#include "lwip/udp.h"

namespace shunt::daemon {

struct reuseport_group {
    bool udp = false;
    std::uint32_t addr_be = 0;
    std::uint16_t port_be = 0;
    uid_t uid = 0;
    engine_socket* holder = nullptr;        // owns the group's pcb
    bool listens = false;                   // that pcb is the listening one
    std::vector<engine_socket*> members;    // every socket bound through the group
    std::vector<engine_socket*> listeners;  // those that listen, the holder first
};

namespace reuseport {
namespace {

thread_local std::vector<std::unique_ptr<reuseport_group>> t_groups;

reuseport_group* find(bool udp, std::uint32_t addr_be, std::uint16_t port_be) {
    for (auto& g : t_groups)
        if (g->udp == udp && g->addr_be == addr_be && g->port_be == port_be) return g.get();
    return nullptr;
}

void forget(reuseport_group* g) {
    t_groups.erase(std::remove_if(t_groups.begin(), t_groups.end(), [g](const auto& p) { return p.get() == g; }),
                   t_groups.end());
}

// The peer's address and port, mixed (a 32-bit finaliser): one member per
// peer endpoint, spread evenly.
std::size_t spread(std::uint32_t addr_be, std::uint16_t port, std::size_t n) {
    std::uint32_t h = addr_be ^ (std::uint32_t{port} << 16);
    h ^= h >> 16;
    h *= 0x7feb352dU;
    h ^= h >> 15;
    h *= 0x846ca68bU;
    h ^= h >> 16;
    return h % n;
}

void erase(std::vector<engine_socket*>& v, engine_socket* s) { v.erase(std::remove(v.begin(), v.end(), s), v.end()); }

// Gives `to` the pcb `from` holds (and `from` whatever `to` had), callbacks
// included. Both are TCP sockets of the group.
void swap_pcbs(engine_socket& from, engine_socket& to) {
    std::swap(from.pcb, to.pcb);
    if (from.pcb) tcp_arg(from.pcb, &from);
    if (to.pcb) tcp_arg(to.pcb, &to);
}

}  // namespace

bool join(engine_socket& s, std::uint32_t addr_be, std::uint16_t port_be) {
    reuseport_group* g = find(false, addr_be, port_be);
    if (!g) return false;
    g->members.push_back(&s);
    s.group = g;
    s.local_addr = addr_be;
    s.local_port = port_be;
    return true;
}

void founded(engine_socket& s) {
    auto g = std::make_unique<reuseport_group>();
    g->addr_be = ip4_addr_get_u32(ip_2_ip4(&s.pcb->local_ip));
    g->port_be = lwip_htons(s.pcb->local_port);
    g->uid = s.uid;
    g->holder = &s;
    g->members.push_back(&s);
    s.local_addr = g->addr_be;  // kept for getsockname once the pcb passes on
    s.local_port = g->port_be;
    s.group = g.get();
    t_groups.push_back(std::move(g));
}

bool join_listeners(engine_socket& s) {
    reuseport_group* g = s.group;
    if (!g) return false;
    if (g->listens) {
        // The group's pcb listens already: this socket's own (unbound) pcb goes.
        if (s.pcb) {
            tcp_pcb* mine = s.pcb;
            s.pcb = nullptr;
            tcp_arg(mine, nullptr);
            tcp_close(mine);
        }
        g->listeners.push_back(&s);
        return true;
    }
    // The first to listen takes the bound pcb that keeps the port.
    if (g->holder != &s) {
        swap_pcbs(*g->holder, s);
        g->holder = &s;
    }
    return false;
}

void listening(engine_socket& s) {
    reuseport_group* g = s.group;
    if (!g) return;
    g->listens = true;
    g->holder = &s;
    g->listeners.insert(g->listeners.begin(), &s);
}

engine_socket* pick(engine_socket* holder, const tcp_pcb* newpcb) {
    return pick_for(holder, ip4_addr_get_u32(ip_2_ip4(&newpcb->remote_ip)), newpcb->remote_port);
}

engine_socket* pick_for(engine_socket* holder, std::uint32_t remote_be, std::uint16_t remote_port) {
    reuseport_group* g = holder ? holder->group : nullptr;
    if (!g || g->listeners.size() < 2) return holder;
    return g->listeners[spread(remote_be, remote_port, g->listeners.size())];
}

void joined_datagram(engine_socket& s) {
    const std::uint32_t addr_be = ip4_addr_get_u32(ip_2_ip4(&s.udp->local_ip));
    const std::uint16_t port_be = lwip_htons(s.udp->local_port);
    reuseport_group* g = find(true, addr_be, port_be);
    if (!g) {
        auto fresh = std::make_unique<reuseport_group>();
        fresh->udp = true;
        fresh->addr_be = addr_be;
        fresh->port_be = port_be;
        fresh->uid = s.uid;
        g = fresh.get();
        t_groups.push_back(std::move(fresh));
    }
    g->members.push_back(&s);
    s.group = g;
}

engine_socket* pick_datagram(engine_socket* s, std::uint32_t src_be, std::uint16_t src_port_be) {
    reuseport_group* g = s->group;
    // A connected member keeps what its connection brings (Linux too leaves
    // connected sockets out of the choice).
    if (!g || g->members.size() < 2 || s->connected) return s;
    std::vector<engine_socket*> open;
    for (engine_socket* m : g->members)
        if (!m->connected) open.push_back(m);
    if (open.empty()) return s;
    return open[spread(src_be, lwip_ntohs(src_port_be), open.size())];
}

void leave(engine_socket& s) {
    reuseport_group* g = s.group;
    if (!g) return;
    s.group = nullptr;
    erase(g->members, &s);
    erase(g->listeners, &s);
    if (g->members.empty()) {
        forget(g);
        return;
    }
    if (g->udp || g->holder != &s) return;  // UDP members each keep their own pcb
    if (g->listens && !g->listeners.empty()) {
        // Another listener takes the listening pcb (its own was released).
        engine_socket* next = g->listeners.front();
        swap_pcbs(s, *next);
        g->holder = next;
        return;
    }
    // No one else listens: the members left keep the port with a bound pcb.
    engine_socket* next = g->members.front();
    if (g->listens) {
        tcp_pcb* l = s.pcb;
        s.pcb = nullptr;
        if (l) {
            tcp_arg(l, nullptr);
            tcp_accept(l, nullptr);
            tcp_close(l);
        }
        g->listens = false;
        ip_addr_t a;
        ip_addr_set_ip4_u32_val(a, g->addr_be);
        if (next->pcb && tcp_bind(next->pcb, &a, lwip_ntohs(g->port_be)) == ERR_OK) {
            g->holder = next;
            return;
        }
        // Cannot happen (the port was just freed); the group ends, the sockets stay named.
        for (engine_socket* m : g->members) m->group = nullptr;
        forget(g);
        return;
    }
    swap_pcbs(s, *next);  // the bound pcb to `next`, its unbound one to `s`
    g->holder = next;
}

}  // namespace reuseport
}  // namespace shunt::daemon
