// The acceleration policy: which AF_INET stream sockets go to shuntd.
//   connect(): the destination is on a subnet one of shuntd's ports serves;
//   bind():    the address is one of shuntd's port addresses;
//   0.0.0.0:   a TCP listener bound to INADDR_ANY listens on both the kernel
//              and shuntd, and a UDP socket bound to it receives on both
//              (SHUNT_BIND_ANY=both, the default); =shunt (or 1) puts them
//              on shuntd only at bind(), =kernel (or 0) keeps them on the
//              kernel;
//   loopback:  127.0.0.0/8 stays on the kernel unless SHUNT_LOOPBACK=1, which
//              serves it inside shuntd (accelerated local IPC: both ends
//              must run under shunt);
//   rules:     SHUNT_ACCELERATE_NETS=CIDR[,CIDR...] adds destinations that
//              connect()/sendto() accelerate although no port of shuntd is
//              on them (shuntd reaches them through its gateway);
//   never:     SHUNT_ACCELERATE=0, and every non-INET socket.
// Pure functions of their inputs, so unit tests pin them down.
#pragma once

#include <netinet/in.h>

#include <cstdint>

#include "shm/segment.hpp"

namespace shunt::preload {

enum class any_mode { both, shunt, kernel };

struct policy_env {
    bool enabled = true;            // SHUNT_ACCELERATE (default 1)
    any_mode bind_any = any_mode::both;  // SHUNT_BIND_ANY: both (default), shunt|1, kernel|0
    bool loopback = false;          // SHUNT_LOOPBACK (default 0)
    bool bind_any_invalid = false;  // SHUNT_BIND_ANY had a value not listed above
    // SHUNT_ACCELERATE_NETS: extra destination networks (address in network order).
    static constexpr unsigned k_max_nets = 16;
    shm::served_route nets[k_max_nets] = {};
    unsigned n_nets = 0;
    bool nets_invalid = false;  // an entry was not A.B.C.D/LEN (it is skipped)
};

policy_env read_policy_env();

// Addresses in network byte order, as in sockaddr_in.
bool on_served_subnet(std::uint32_t addr, const shm::served_route* routes, std::uint32_t n);
bool accelerate_connect(const sockaddr_in& dst, const shm::served_route* routes, std::uint32_t n,
                        const policy_env& env);
bool accelerate_bind(const sockaddr_in& local, const shm::served_route* routes, std::uint32_t n,
                     const policy_env& env);
// listen() on a kernel TCP socket bound to 0.0.0.0, or bind() of a UDP
// socket to it: serve it on shuntd too?
bool listen_on_both(const policy_env& env, std::uint32_t n_routes);

}  // namespace shunt::preload
