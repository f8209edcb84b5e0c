// An Ethernet interface of lwIP whose wire is one end of an AF_UNIX
// SOCK_SEQPACKET socketpair (one frame per message): two engines, each in
// its own process with its own lwIP, joined by an in-memory link. lwIP
// generates and verifies every checksum on it and resolves addresses with
// ARP, as on a DPDK port.
#pragma once

#include <cstdint>
#include <memory>

struct netif;
struct pbuf;

namespace shunt::test {

class link_netif {
public:
    // `fd`: this side's end of the link; `ip`, `prefix`: the interface's
    // address; `mac_last`: the last byte of its MAC (02:00:00:00:00:xx).
    link_netif(int fd, const char* ip, int prefix, std::uint8_t mac_last);
    ~link_netif();
    link_netif(const link_netif&) = delete;
    link_netif& operator=(const link_netif&) = delete;

    // Hands lwIP every frame waiting on the link; returns how many.
    int poll();
    bool peer_gone() const { return gone_; }  // the other end closed the link
    std::uint64_t frames_sent() const { return sent_; }
    std::uint64_t frames_received() const { return received_; }

private:
    static std::int8_t init_cb(::netif* n);
    static std::int8_t output_cb(::netif* n, ::pbuf* p);
    int fd_;
    std::uint8_t mac_last_;
    std::unique_ptr<::netif> netif_;
    std::uint64_t sent_ = 0, received_ = 0;
    bool gone_ = false;
};

}  // namespace shunt::test
