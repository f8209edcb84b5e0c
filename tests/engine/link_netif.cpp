#include "tests/engine/link_netif.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "lwip/etharp.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "netif/ethernet.h"

namespace shunt::test {

link_netif::link_netif(int fd, const char* ip, int prefix, std::uint8_t mac_last)
    : fd_(fd), mac_last_(mac_last), netif_(std::make_unique<::netif>()) {
    ip4_addr_t a, m, gw;
    ip4_addr_set_u32(&a, inet_addr(ip));
    ip4_addr_set_u32(&m, htonl(prefix >= 32 ? ~0u : ~((1u << (32 - prefix)) - 1)));
    ip4_addr_set_zero(&gw);
    netif_add(netif_.get(), &a, &m, &gw, this, &link_netif::init_cb, ethernet_input);
    netif_set_up(netif_.get());
    netif_set_link_up(netif_.get());
}

link_netif::~link_netif() { netif_remove(netif_.get()); }

std::int8_t link_netif::init_cb(::netif* n) {
    auto* self = static_cast<link_netif*>(n->state);
    n->name[0] = 'l';
    n->name[1] = 'k';
    n->mtu = 1500;
    n->hwaddr_len = ETH_HWADDR_LEN;
    const std::uint8_t mac[6] = {0x02, 0, 0, 0, 0, self->mac_last_};
    std::memcpy(n->hwaddr, mac, sizeof mac);
    n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    n->output = etharp_output;
    n->linkoutput = &link_netif::output_cb;
    return ERR_OK;
}

std::int8_t link_netif::output_cb(::netif* n, pbuf* p) {
    auto* self = static_cast<link_netif*>(n->state);
    std::uint8_t frame[1600];
    if (p->tot_len > sizeof frame) return ERR_BUF;
    pbuf_copy_partial(p, frame, p->tot_len, 0);
    if (::send(self->fd_, frame, p->tot_len, MSG_DONTWAIT | MSG_NOSIGNAL) != p->tot_len) return ERR_IF;  // the link drops it
    ++self->sent_;
    return ERR_OK;
}

int link_netif::poll() {
    int n = 0;
    std::uint8_t frame[1600];
    for (;;) {
        const ssize_t len = ::recv(fd_, frame, sizeof frame, MSG_DONTWAIT);
        if (len == 0) gone_ = true;
        if (len <= 0) return n;
        pbuf* p = pbuf_alloc(PBUF_RAW, static_cast<u16_t>(len), PBUF_POOL);
        if (!p) continue;  // out of pbufs: the frame is lost, as on a wire
        pbuf_take(p, frame, static_cast<u16_t>(len));
        if (netif_->input(p, netif_.get()) != ERR_OK) pbuf_free(p);
        ++received_;
        ++n;
    }
}

}  // namespace shunt::test
