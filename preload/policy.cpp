#include "preload/policy.hpp"

#include <arpa/inet.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace shunt::preload {
namespace {

bool env_flag(const char* name, bool dflt) {
    const char* v = secure_getenv(name);
    if (!v || !*v) return dflt;
    return !(std::strcmp(v, "0") == 0 || std::strcmp(v, "no") == 0 || std::strcmp(v, "off") == 0);
}

bool loopback(std::uint32_t addr_be) { return (ntohl(addr_be) >> 24) == 127; }

std::uint32_t mask_of(std::uint32_t len) { return len == 0 ? 0 : htonl(~0u << (32 - (len > 32 ? 32 : len))); }

}  // namespace

policy_env read_policy_env() {
    policy_env e;
    e.enabled = env_flag("SHUNT_ACCELERATE", true);
    e.loopback = env_flag("SHUNT_LOOPBACK", false);
    if (const char* v = secure_getenv("SHUNT_ACCELERATE_NETS"); v && *v) {
        const char* p = v;
        while (*p) {
            const char* end = std::strchr(p, ',');
            const std::size_t n = end ? static_cast<std::size_t>(end - p) : std::strlen(p);
            char item[64] = {};
            unsigned a, b, c, d, len;
            char extra;
            if (n > 0 && n < sizeof item) std::memcpy(item, p, n);
            if (n > 0 && n < sizeof item &&
                std::sscanf(item, "%u.%u.%u.%u/%u%c", &a, &b, &c, &d, &len, &extra) == 5 && a < 256 && b < 256 &&
                c < 256 && d < 256 && len <= 32 && e.n_nets < policy_env::k_max_nets) {
                e.nets[e.n_nets++] = {htonl(a << 24 | b << 16 | c << 8 | d), len};
            } else if (n > 0) {
                e.nets_invalid = true;
            }
            if (!end) break;
            p = end + 1;
        }
    }
    if (const char* v = secure_getenv("SHUNT_BIND_ANY"); v && *v) {
        if (!std::strcmp(v, "both")) e.bind_any = any_mode::both;
        else if (!std::strcmp(v, "shunt") || !std::strcmp(v, "1")) e.bind_any = any_mode::shunt;
        else if (!std::strcmp(v, "kernel") || !std::strcmp(v, "0")) e.bind_any = any_mode::kernel;
        else e.bind_any_invalid = true;  // the default stays; the caller logs it
    }
    return e;
}

bool listen_on_both(const policy_env& env, std::uint32_t n_routes) {
    return env.enabled && env.bind_any == any_mode::both && n_routes > 0;
}

bool parse_io_uring_mode(const char* v, io_uring_mode* out) {
    if (!v || !*v || !std::strcmp(v, "kernel")) *out = io_uring_mode::kernel;
    else if (!std::strcmp(v, "files")) *out = io_uring_mode::files;
    else return false;
    return true;
}

bool is_liburing(const char* path) {
    if (!path) return false;
    const char* slash = std::strrchr(path, '/');
    const char* base = slash ? slash + 1 : path;
    return !std::strncmp(base, "liburing.so", 11) || !std::strncmp(base, "liburing-ffi.so", 15);
}

ring_verdict io_uring_setup_verdict(io_uring_mode mode, bool user, bool accelerated_open) {
    if (mode == io_uring_mode::files) return ring_verdict::allow;
    // Accelerated sockets refuse the ring even in a process marked already
    // (one exec'ed with sockets handed over: docs/libshunt.md).
    if (accelerated_open) return ring_verdict::refuse;
    return user ? ring_verdict::allow : ring_verdict::allow_and_mark;
}

bool on_served_subnet(std::uint32_t addr, const shm::served_route* routes, std::uint32_t n) {
    for (std::uint32_t i = 0; i < n && i < shm::k_max_routes; ++i) {
        const std::uint32_t m = mask_of(routes[i].prefix_len);
        if ((addr & m) == (routes[i].addr & m)) return true;
    }
    return false;
}

bool accelerate_connect(const sockaddr_in& dst, const shm::served_route* routes, std::uint32_t n,
                        const policy_env& env) {
    if (!env.enabled || dst.sin_family != AF_INET) return false;
    const std::uint32_t a = dst.sin_addr.s_addr;
    if (loopback(a)) return env.loopback && n > 0;
    if (a == INADDR_ANY || a == INADDR_BROADCAST) return false;
    // Extra networks need a daemon (routes, n > 0) as much as served ones do.
    return on_served_subnet(a, routes, n) || (n > 0 && on_served_subnet(a, env.nets, env.n_nets));
}

bool accelerate_bind(const sockaddr_in& local, const shm::served_route* routes, std::uint32_t n,
                     const policy_env& env) {
    if (!env.enabled || local.sin_family != AF_INET) return false;
    const std::uint32_t a = local.sin_addr.s_addr;
    if (a == INADDR_ANY) return env.bind_any == any_mode::shunt && n > 0;
    // lwIP's loop interface has 127.0.0.1 only.
    if (loopback(a)) return env.loopback && n > 0 && a == htonl(INADDR_LOOPBACK);
    for (std::uint32_t i = 0; i < n && i < shm::k_max_routes; ++i)
        if (routes[i].addr == a) return true;
    return false;
}

}  // namespace shunt::preload
