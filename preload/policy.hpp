// The acceleration policy: which AF_INET stream sockets go to shuntd.
//   connect(): the destination is on a subnet one of shuntd's ports serves;
//   bind():    the address is one of shuntd's port addresses (INADDR_ANY stays
//              on the kernel unless SHUNT_BIND_ANY=1, which puts the listener
//              on shuntd only);
//   loopback:  127.0.0.0/8 stays on the kernel unless SHUNT_LOOPBACK=1, which
//              serves it inside shuntd (accelerated local IPC: both ends
//              must run under shunt);
//   never:     SHUNT_ACCELERATE=0, and every non-INET or non-stream socket.
// Pure functions of their inputs, so unit tests pin them down.
#pragma once

#include <netinet/in.h>

#include <cstdint>

#include "shm/segment.hpp"

namespace shunt::preload {

struct policy_env {
    bool enabled = true;   // SHUNT_ACCELERATE (default 1)
    bool bind_any = false;  // SHUNT_BIND_ANY (default 0)
    bool loopback = false;  // SHUNT_LOOPBACK (default 0)
};

policy_env read_policy_env();

// Addresses in network byte order, as in sockaddr_in.
bool on_served_subnet(std::uint32_t addr, const shm::served_route* routes, std::uint32_t n);
bool accelerate_connect(const sockaddr_in& dst, const shm::served_route* routes, std::uint32_t n,
                        const policy_env& env);
bool accelerate_bind(const sockaddr_in& local, const shm::served_route* routes, std::uint32_t n,
                     const policy_env& env);

}  // namespace shunt::preload
