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
//   never:     SHUNT_ACCELERATE=0, every non-INET socket, and every socket
//              of an io_uring user (SHUNT_IO_URING=kernel, the default:
//              io_uring reaches an fd without libc, and an accelerated
//              socket's fd is its notify socket; preload/io_uring_guard).
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

// io_uring (issue 20 item 12). SHUNT_IO_URING: `kernel` (the default) keeps
// every socket of a process that uses io_uring on the kernel, where the
// ring's reads and writes reach them; `files` is the user's word that the
// process's rings never touch its sockets, which are accelerated as usual.
enum class io_uring_mode { kernel, files };
// Unset or empty: kernel. false for any value but the two names.
[[nodiscard]] bool parse_io_uring_mode(const char* v, io_uring_mode* out);
// Whether a loaded object, by the path the dynamic loader gives it, is
// liburing (liburing.so.N, or liburing 2.4's liburing-ffi.so.N): its own
// `syscall` instructions make the ring, where no hook of shunt's sees them.
[[nodiscard]] bool is_liburing(const char* path);
// What io_uring_setup(2) gets, made through libc's syscall(2) or trapped
// by syscall user dispatch. `user`: the process is an io_uring user
// already; `accelerated_open`: it has an accelerated socket open (or may
// be making one).
enum class ring_verdict {
    allow,           // to the kernel
    allow_and_mark,  // to the kernel, and every later socket stays on it
    refuse,          // EPERM, as kernel.io_uring_disabled=2 and Docker's seccomp profile answer
};
[[nodiscard]] ring_verdict io_uring_setup_verdict(io_uring_mode mode, bool user, bool accelerated_open);

}  // namespace shunt::preload
