// Raw system calls for the channel's own descriptors. Inside libshunt.so the
// libc names (recv, send, close, ...) resolve to shunt's wrappers, so the
// channel's kernel calls go straight to the kernel instead: no wrapper runs
// twice and nothing recurses. Each returns the result or -errno (errno is
// left alone).
#pragma once

#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>

namespace shunt::shm::sys {

inline long raw(long n, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0, long f = 0) {
    long r;
    register long r10 asm("r10") = d;
    register long r8 asm("r8") = e;
    register long r9 asm("r9") = f;
    asm volatile("syscall"
                 : "=a"(r)
                 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                 : "rcx", "r11", "memory");
    return r;
}

inline long sendmsg(int fd, const msghdr* m, int flags) {
    return raw(SYS_sendmsg, fd, reinterpret_cast<long>(m), flags);
}
inline long recvmsg(int fd, msghdr* m, int flags) { return raw(SYS_recvmsg, fd, reinterpret_cast<long>(m), flags); }
inline long send(int fd, const void* b, size_t n, int flags) {
    return raw(SYS_sendto, fd, reinterpret_cast<long>(b), static_cast<long>(n), flags, 0, 0);
}
inline long recv(int fd, void* b, size_t n, int flags) {
    return raw(SYS_recvfrom, fd, reinterpret_cast<long>(b), static_cast<long>(n), flags, 0, 0);
}
inline long shutdown(int fd, int how) { return raw(SYS_shutdown, fd, how); }
inline long close(int fd) { return raw(SYS_close, fd); }
inline long socketpair(int domain, int type, int proto, int fds[2]) {
    return raw(SYS_socketpair, domain, type, proto, reinterpret_cast<long>(fds));
}
inline long setsockopt(int fd, int level, int name, const void* v, socklen_t len) {
    return raw(SYS_setsockopt, fd, level, name, reinterpret_cast<long>(v), len);
}
inline long getsockopt(int fd, int level, int name, void* v, socklen_t* len) {
    return raw(SYS_getsockopt, fd, level, name, reinterpret_cast<long>(v), reinterpret_cast<long>(len));
}

}  // namespace shunt::shm::sys
