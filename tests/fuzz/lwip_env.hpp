// lwIP for a fuzz target. lwIP's state is global, so there is one instance
// per process, set up once (lwip_env_init) and put back as it was after each
// input (lwip_end_input): an input replays the same way whatever ran before.
//
// Time and chance are the target's: the fuzz programs link with
// --wrap=sys_now and --wrap=shunt_lwip_rand (Makefile.am), so lwIP's clock
// is a virtual one advanced only by lwip_run_timers() and its random numbers
// restart from the same seed on every input. stack/lwip_platform.cpp itself
// is unchanged.
//
// Interfaces: lwIP's loopback (127.0.0.1/8, LWIP_HAVE_LOOPIF) and a "wire"
// interface 10.0.0.1/24 (Ethernet + ARP, the default route) whose frames go
// to a sink; a static ARP entry makes 10.0.0.2 (k_peer_mac) reachable, so
// replies to it leave at once instead of waiting on ARP.
#pragma once

#include <cstdint>

struct netif;

namespace shunt::fuzz {

// IPv4 addresses in network byte order, as shunt's protocol carries them.
constexpr std::uint32_t ip4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    // Little-endian host: the first octet is the lowest byte.
    return static_cast<std::uint32_t>(a) | static_cast<std::uint32_t>(b) << 8 | static_cast<std::uint32_t>(c) << 16 |
           static_cast<std::uint32_t>(d) << 24;
}
constexpr std::uint32_t k_wire_addr = ip4(10, 0, 0, 1);
constexpr std::uint32_t k_peer_addr = ip4(10, 0, 0, 2);
constexpr std::uint8_t k_wire_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
constexpr std::uint8_t k_peer_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};

// lwIP's coarse timer step (TCP_TMR_INTERVAL): the unit of lwip_run_timers.
constexpr std::uint32_t k_timer_step_ms = 250;

// Once per process: lwip_init, the wire interface, quiet logging (set
// SHUNT_FUZZ_LOG=info or debug to see the daemon's log lines).
void lwip_env_init();
::netif* wire_netif();

// Start of an input: random numbers from their seed, the static ARP entry.
void lwip_begin_input();
// Delivers what lwIP queued on its loopback interfaces (the worker does this
// every loop).
void lwip_poll_loopback();
// Advances the virtual clock by `steps` timer steps, firing lwIP's timers
// (TCP retransmission and TIME_WAIT, ARP, reassembly) and delivering
// loopback traffic after each.
void lwip_run_timers(unsigned steps);
// End of an input, once the target has let go of everything it created:
// checks that nothing left in lwIP points back into freed daemon memory (a
// TCP pcb with a callback argument, any UDP pcb) and aborts with a message
// if so; then resets every TCP pcb, drops queued loopback packets, pending
// fragment reassemblies and ARP state; then checks that every lwIP pool is
// back to its use at start (a pbuf or pcb held across inputs is a leak).
void lwip_end_input();

// Bytes the wire interface sent since start (its sink copies every frame, so
// ASan sees every byte lwIP hands to a driver).
std::uint64_t wire_bytes_sent();

}  // namespace shunt::fuzz
