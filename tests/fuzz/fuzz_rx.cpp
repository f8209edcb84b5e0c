// libFuzzer target: frames from the wire into lwIP, as shuntd's worker feeds
// them (docs/fuzzing.md). The wire interface is 10.0.0.1/24 (lwip_env.hpp);
// behind it each input finds
//   - a TCP listener on port 80 that echoes what it receives (tcp_write,
//     tcp_recved) and closes on the peer's FIN,
//   - a UDP socket on port 7 that echoes datagrams back to their sender,
//   - a connection of its own in SYN_SENT, 10.0.0.1:49152 -> 10.0.0.2:8080,
// and ARP, ICMP and IP reassembly as lwIP does them. An input is a list of
// frames (rx_frames.hpp); everything is reset after it.
//
//   fuzz_rx [libFuzzer flags] [CORPUS...]
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "stack/rx_guard.hpp"
#include "tests/fuzz/fuzz_input.hpp"
#include "tests/fuzz/lwip_env.hpp"
#include "tests/fuzz/rx_frames.hpp"

namespace {

using namespace shunt::fuzz;

constexpr u16_t k_listen_port = 80;
constexpr u16_t k_echo_port = 7;
constexpr u16_t k_client_port = 49152;
constexpr u16_t k_server_port = 8080;
constexpr std::size_t k_eth_min_frame = 60;

void on_err(void*, err_t) {}

err_t echo_recv(void*, tcp_pcb* pcb, pbuf* p, err_t err) {
    if (!p || err != ERR_OK) {
        if (p) pbuf_free(p);
        if (tcp_close(pcb) != ERR_OK) {
            tcp_abort(pcb);
            return ERR_ABRT;
        }
        return ERR_OK;
    }
    for (const pbuf* q = p; q; q = q->next) {
        const u16_t n = q->len < tcp_sndbuf(pcb) ? q->len : tcp_sndbuf(pcb);
        if (n == 0 || tcp_write(pcb, q->payload, n, TCP_WRITE_FLAG_COPY) != ERR_OK) break;
    }
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    tcp_output(pcb);
    return ERR_OK;
}

err_t on_accept(void*, tcp_pcb* pcb, err_t err) {
    if (err != ERR_OK || !pcb) return ERR_VAL;
    tcp_recv(pcb, echo_recv);
    tcp_err(pcb, on_err);
    return ERR_OK;
}

err_t on_connected(void*, tcp_pcb* pcb, err_t) {
    static const char hello[] = "hello from lwIP\n";
    (void)tcp_write(pcb, hello, sizeof hello - 1, TCP_WRITE_FLAG_COPY);
    tcp_output(pcb);
    return ERR_OK;
}

void udp_echo(void*, udp_pcb* pcb, pbuf* p, const ip_addr_t* addr, u16_t port) {
    (void)udp_sendto(pcb, p, addr, port);
    pbuf_free(p);
}

// The endpoints every input starts with; lwip_end_input resets the TCP ones.
udp_pcb* open_endpoints() {
    tcp_pcb* l = tcp_new_ip_type(IPADDR_TYPE_V4);
    if (!l || tcp_bind(l, IP4_ADDR_ANY, k_listen_port) != ERR_OK) __builtin_trap();
    l = tcp_listen_with_backlog(l, 4);
    if (!l) __builtin_trap();
    tcp_accept(l, on_accept);

    tcp_pcb* c = tcp_new_ip_type(IPADDR_TYPE_V4);
    if (!c) __builtin_trap();
    ip_set_option(c, SOF_REUSEADDR);
    ip_addr_t local, peer;
    ip_addr_set_ip4_u32_val(local, k_wire_addr);
    ip_addr_set_ip4_u32_val(peer, k_peer_addr);
    if (tcp_bind(c, &local, k_client_port) != ERR_OK) __builtin_trap();
    tcp_recv(c, echo_recv);
    tcp_err(c, on_err);
    if (tcp_connect(c, &peer, k_server_port, on_connected) != ERR_OK) __builtin_trap();

    udp_pcb* u = udp_new_ip_type(IPADDR_TYPE_V4);
    if (!u || udp_bind(u, IP4_ADDR_ANY, k_echo_port) != ERR_OK) __builtin_trap();
    udp_recv(u, udp_echo, nullptr);
    return u;
}

// SHUNT_FUZZ_TRACE=1: each frame and the TCP connections after it on stderr.
const bool g_trace = std::getenv("SHUNT_FUZZ_TRACE") != nullptr;

void trace(std::uint8_t flags, std::size_t len) {
    std::fprintf(stderr, "fuzz_rx: frame flags %#x, %zu bytes; wire sent %llu bytes so far\n", flags, len,
                 static_cast<unsigned long long>(wire_bytes_sent()));
    for (const tcp_pcb* p = tcp_active_pcbs; p; p = p->next)
        std::fprintf(stderr, "fuzz_rx:   :%u -> :%u %s rcv_nxt %u snd_nxt %u\n", p->local_port, p->remote_port,
                     tcp_debug_state_str(p->state), p->rcv_nxt, p->snd_nxt);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    lwip_env_init();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    lwip_begin_input();
    udp_pcb* echo = open_endpoints();
    ::netif* wire = wire_netif();
    input_reader in(data, size);
    std::vector<std::uint8_t> frame;
    while (!in.empty()) {
        const std::uint8_t flags = in.u8();
        const std::uint16_t len = in.u16();
        const auto bytes = in.bytes(len);
        frame.assign(bytes.begin(), bytes.end());
        // A NIC delivers no frame shorter than Ethernet's minimum (60 bytes
        // before the FCS; shorter ones are padded by the sender). lwIP 2.1.3
        // relies on it: etharp_input and ip4_input read headers past a runt
        // (docs/fuzzing.md, "Findings").
        if (!frame.empty() && frame.size() < k_eth_min_frame && !exact_frames()) frame.resize(k_eth_min_frame, 0);
        fix_frame(frame, flags);
        // shuntd's driver refuses runts and martians before lwIP sees them
        // (stack/rx_guard.hpp); so does the harness, unless exact_frames().
        const bool refused = !exact_frames() && !frame.empty() &&
                             shunt::stack::check_rx_frame(frame.data(), frame.size(), frame.size()) !=
                                 shunt::stack::rx_verdict::pass;
        // An empty record only runs the timers.
        if (pbuf* p = frame.empty() || refused ? nullptr : frame_pbuf(frame, flags)) {
            // As the driver: the input function owns the pbuf unless it fails.
            if (wire->input(p, wire) != ERR_OK) pbuf_free(p);
        }
        lwip_poll_loopback();
        lwip_run_timers(frame_timer_steps(flags));
        if (g_trace) trace(flags, frame.size());
    }
    udp_remove(echo);
    lwip_end_input();
    return 0;
}
