// The libc entry points libshunt.so exports (preload/wrapped.def). Each looks
// the fd up once: a kernel fd goes straight to libc's own function; an
// accelerated one to socket_ops. bind() and connect() are where the policy
// moves a kernel socket onto shuntd. errno is set only on failure.
#include <arpa/inet.h>
#include <linux/sockios.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <algorithm>
#include <vector>

#include "preload/channel.hpp"
#include "preload/fd_table.hpp"
#include "preload/fork_holders.hpp"
#include "preload/held_socket.hpp"
#include "preload/io_uring_guard.hpp"
#include "preload/log.hpp"
#include "preload/policy.hpp"
#include "preload/real.hpp"
#include "preload/socket_ops.hpp"
#include "shm/sys.hpp"

#define SHUNT_EXPORT extern "C" __attribute__((visibility("default")))

namespace shunt::preload {
namespace {

// The errno edge (DESIGN.md "Errors inside, errno at the edge").
template <typename T>
T finish(const result<T>& r, int saved_errno) {
    if (r) {
        errno = saved_errno;
        return *r;
    }
    errno = r.err().code;
    return static_cast<T>(-1);
}

// SOCK_STREAM or SOCK_DGRAM for an AF_INET socket shunt can carry; 0 otherwise.
int inet_type(int fd) {
    int v = 0;
    socklen_t len = sizeof v;
    if (shm::sys::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len) < 0 || v != AF_INET) return 0;
    len = sizeof v;
    if (shm::sys::getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) < 0) return 0;
    return v == SOCK_STREAM || v == SOCK_DGRAM ? v : 0;
}

bool as_inet(const sockaddr* addr, socklen_t len, sockaddr_in* out) {
    if (!addr || len < static_cast<socklen_t>(sizeof(sockaddr_in)) || addr->sa_family != AF_INET) return false;
    std::memcpy(out, addr, sizeof *out);
    return true;
}

// Has the kernel socket been given a local address already (bind() to a
// kernel address)? Then connect() keeps it on the kernel.
bool kernel_bound(int fd) {
    sockaddr_in a{};
    socklen_t len = sizeof a;
    if (shm::sys::raw(SYS_getsockname, fd, reinterpret_cast<long>(&a), reinterpret_cast<long>(&len)) < 0)
        return false;
    return a.sin_port != 0;
}

// A kernel TCP listener on 0.0.0.0 (IPv4).
bool kernel_any_listener(int fd) {
    if (inet_type(fd) != SOCK_STREAM) return false;
    sockaddr_in a{};
    socklen_t len = sizeof a;
    if (shm::sys::raw(SYS_getsockname, fd, reinterpret_cast<long>(&a), reinterpret_cast<long>(&len)) < 0)
        return false;
    return a.sin_family == AF_INET && a.sin_addr.s_addr == INADDR_ANY;
}

// The policy's routes come from the daemon: attaching is deferred to the
// first AF_INET stream socket that binds or connects.
const policy_env& env() {
    static const policy_env e = [] {
        policy_env p = read_policy_env();
        if (p.bind_any_invalid) log_line(log_level::warn, "SHUNT_BIND_ANY must be both, shunt or kernel; using both");
        if (p.nets_invalid)
            log_line(log_level::warn, "SHUNT_ACCELERATE_NETS: entries must be A.B.C.D/LEN (at most %u); others skipped",
                     policy_env::k_max_nets);
        return p;
    }();
    return e;
}

// Whether a new socket may move to shuntd at all: SHUNT_ACCELERATE, and
// not an io_uring user's (preload/io_uring_guard.hpp). A look before
// attaching to shuntd for nothing; open_in_daemon() asks again where it
// decides.
bool may_accelerate() { return env().enabled && !io_uring_guard::kernel_only(); }

// The data calls' funnels. Each holds fd's socket for the call
// (held_socket.hpp) and is out of line: a wrapper only looks the fd up and
// tail-calls one of these or libc, so a kernel fd pays the look alone.
// EBADF: the fd was closed between the wrapper's look and the hold.
[[gnu::noinline]] ssize_t recv_any(int fd, const iovec* iov, int n, int flags, sockaddr* from = nullptr,
                                   socklen_t* fromlen = nullptr, int* msg_flags = nullptr) {
    held_socket s{fd};
    if (!s) {
        errno = EBADF;
        return -1;
    }
    const int saved = errno;
    if (s->dgram) return finish(op_dgram_recv(fd, *s, iov, n, flags, from, fromlen, msg_flags), saved);
    const ssize_t r = finish(op_recv(fd, *s, iov, n, flags), saved);
    if (r >= 0) {
        if (fromlen) *fromlen = 0;
        if (msg_flags) *msg_flags = 0;
    }
    return r;
}

[[gnu::noinline]] ssize_t recv_common(int fd, void* buf, size_t n, int flags, sockaddr* from = nullptr,
                                      socklen_t* fromlen = nullptr) {
    iovec iov{buf, n};
    return recv_any(fd, &iov, 1, flags, from, fromlen);
}

bool served_destination(const sockaddr* to, socklen_t tolen);

// Sends on an accelerated socket of either kind. A connected stream socket
// ignores the destination, as Linux's TCP does.
[[gnu::noinline]] ssize_t send_any(int fd, const iovec* iov, int n, int flags, const sockaddr* to = nullptr,
                                   socklen_t tolen = 0) {
    held_socket s{fd};
    if (!s) {
        errno = EBADF;
        return -1;
    }
    const int saved = errno;
    if (s->dgram && s->kernel_fd >= 0 && to && !served_destination(to, tolen)) {
        // UDP on both stacks, to a destination only the kernel reaches.
        msghdr m{};
        m.msg_name = const_cast<sockaddr*>(to);
        m.msg_namelen = tolen;
        m.msg_iov = const_cast<iovec*>(iov);
        m.msg_iovlen = static_cast<std::size_t>(n);
        if (s->nonblocking.load(std::memory_order_relaxed)) flags |= MSG_DONTWAIT;
        return real::sendmsg(s->kernel_fd, &m, flags);
    }
    if (s->dgram) return finish(op_dgram_send(fd, *s, iov, n, flags, to, tolen), saved);
    return finish(op_send(fd, *s, iov, n, flags), saved);
}

[[gnu::noinline]] ssize_t send_common(int fd, const void* buf, size_t n, int flags, const sockaddr* to = nullptr,
                                      socklen_t tolen = 0) {
    iovec iov{const_cast<void*>(buf), n};
    return send_any(fd, &iov, 1, flags, to, tolen);
}

// Whether shuntd serves a destination (its networks and routes, the
// SHUNT_* rules): where a socket on both stacks sends it.
bool served_destination(const sockaddr* to, socklen_t tolen) {
    sockaddr_in sin;
    channel* ch = channel::get();
    return ch && as_inet(to, tolen, &sin) && accelerate_connect(sin, ch->header().routes, ch->header().n_routes, env());
}

// A kernel UDP socket's first send to a destination shuntd serves moves it
// onto shuntd, as connect() would (the kernel would bind it implicitly now;
// shuntd does). Only for a socket not yet bound to a kernel address. The
// route check comes first, so kernel traffic pays no extra syscall.
accel_socket* accelerate_for_send(int fd, const sockaddr* to, socklen_t tolen, int* error) {
    sockaddr_in sin;
    *error = 0;
    if (!may_accelerate() || !as_inet(to, tolen, &sin)) return nullptr;
    channel* ch = channel::get();
    if (!ch) return nullptr;
    const auto& h = ch->header();
    if (!accelerate_connect(sin, h.routes, h.n_routes, env())) return nullptr;
    if (inet_type(fd) != SOCK_DGRAM || kernel_bound(fd)) return nullptr;
    fork_holders::creating hold;
    auto r = accelerate(fd, SOCK_DGRAM);
    if (!r) {
        *error = r.err().code;
        return nullptr;
    }
    if (*r) fd_table::set(fd, *r);
    return *r;
}


}  // namespace
}  // namespace shunt::preload

using namespace shunt;
using namespace shunt::preload;

SHUNT_EXPORT int bind(int fd, const sockaddr* addr, socklen_t len) {
    const int saved = errno;
    if (held_socket s{fd}; s) {
        sockaddr_in sin;
        if (!as_inet(addr, len, &sin)) {
            errno = addr && addr->sa_family != AF_INET ? EAFNOSUPPORT : EINVAL;
            return -1;
        }
        return finish(op_bind(*s, sin), saved);
    }
    sockaddr_in sin;
    int type;
    if (may_accelerate() && as_inet(addr, len, &sin) && (type = inet_type(fd)) != 0) {
        if (channel* ch = channel::get()) {
            const auto& h = ch->header();
            if (accelerate_bind(sin, h.routes, h.n_routes, env())) {
                fork_holders::creating hold;
                auto r = accelerate(fd, type);
                if (!r) return finish(result<int>(r.err()), saved);
                if (*r) {
                    fd_table::set(fd, *r);
                    return finish(op_bind(**r, sin), saved);
                }
            }
            // UDP on 0.0.0.0 serves both stacks (SHUNT_BIND_ANY=both), once
            // the kernel has the port.
            if (type == SOCK_DGRAM && sin.sin_addr.s_addr == INADDR_ANY && listen_on_both(env(), h.n_routes)) {
                if (real::bind(fd, addr, len) != 0) return -1;
                fork_holders::creating hold;
                if (accel_socket* s = make_dual_udp(fd)) fd_table::set(fd, s);
                errno = saved;
                return 0;
            }
        }
    }
    return real::bind(fd, addr, len);
}

SHUNT_EXPORT int listen(int fd, int backlog) {
    if (held_socket s{fd}; s) {
        if (s->kernel_fd >= 0) {  // on both stacks: a new backlog for both
            if (real::listen(s->kernel_fd, backlog) != 0) return -1;
            const int saved = errno;
            (void)op_listen(*s, backlog);
            errno = saved;
            return 0;
        }
        return finish(op_listen(*s, backlog), errno);
    }
    const int r = real::listen(fd, backlog);
    // A TCP listener on 0.0.0.0 listens on shuntd's ports too (the policy's
    // SHUNT_BIND_ANY=both); the kernel listener is already up either way.
    if (r == 0 && fd_table::get(fd) == nullptr && may_accelerate() && kernel_any_listener(fd)) {
        const int saved = errno;
        if (channel* ch = channel::get(); ch && listen_on_both(env(), ch->header().n_routes)) {
            fork_holders::creating hold;
            if (accel_socket* s = make_dual_listener(fd, backlog)) fd_table::set(fd, s);
        }
        errno = saved;
    }
    return r;
}

SHUNT_EXPORT int connect(int fd, const sockaddr* addr, socklen_t len) {
    const int saved = errno;
    sockaddr_in sin;
    if (held_socket s{fd}; s) {
        if (s->dgram && s->kernel_fd >= 0)
            return finish(dual_udp_connect(fd, *s, addr, len, served_destination(addr, len)), saved);
        if (s->dgram) return finish(op_dgram_connect(*s, addr, len), saved);
        if (!as_inet(addr, len, &sin)) {
            errno = addr && addr->sa_family != AF_INET ? EAFNOSUPPORT : EINVAL;
            return -1;
        }
        return finish(op_connect(fd, *s, sin), saved);
    }
    int type;
    if (may_accelerate() && as_inet(addr, len, &sin) && (type = inet_type(fd)) != 0 && !kernel_bound(fd)) {
        if (channel* ch = channel::get()) {
            const auto& h = ch->header();
            if (accelerate_connect(sin, h.routes, h.n_routes, env())) {
                fork_holders::creating hold;
                auto r = accelerate(fd, type);
                if (!r) return finish(result<int>(r.err()), saved);
                if (*r) {
                    fd_table::set(fd, *r);
                    if (type == SOCK_DGRAM) return finish(op_dgram_connect(**r, addr, len), saved);
                    return finish(op_connect(fd, **r, sin), saved);
                }
            }
        }
    }
    return real::connect(fd, addr, len);
}

SHUNT_EXPORT int accept4(int fd, sockaddr* addr, socklen_t* len, int flags) {
    if (held_socket s{fd}; s) {
        if (s->kernel_fd >= 0) return finish(dual_accept(fd, *s, addr, len, flags), errno);
        return finish(op_accept(fd, *s, addr, len, flags), errno);
    }
    return real::accept4(fd, addr, len, flags);
}

SHUNT_EXPORT int accept(int fd, sockaddr* addr, socklen_t* len) {
    if (held_socket s{fd}; s) {
        if (s->kernel_fd >= 0) return finish(dual_accept(fd, *s, addr, len, 0), errno);
        return finish(op_accept(fd, *s, addr, len, 0), errno);
    }
    return real::accept(fd, addr, len);
}

SHUNT_EXPORT int shutdown(int fd, int how) {
    if (held_socket s{fd}; s) {
        if (s->kernel_fd >= 0 && !s->dgram) {  // both stacks stop listening
            if (real::shutdown(s->kernel_fd, how) != 0) return -1;
            const int saved = errno;
            (void)op_shutdown(s->notify_fd, *s, how);
            errno = saved;
            return 0;
        }
        return finish(s->dgram ? op_dgram_shutdown(fd, *s, how) : op_shutdown(fd, *s, how), errno);
    }
    return real::shutdown(fd, how);
}

SHUNT_EXPORT ssize_t read(int fd, void* buf, size_t n) {
    if (fd_table::get(fd)) return recv_common(fd, buf, n, 0);
    return real::read(fd, buf, n);
}

SHUNT_EXPORT ssize_t __read_chk(int fd, void* buf, size_t n, size_t buflen) {
    if (fd_table::get(fd)) {
        if (n > buflen) __builtin_trap();  // glibc's __chk_fail: a buffer overflow in the app
        return recv_common(fd, buf, n, 0);
    }
    return real::__read_chk(fd, buf, n, buflen);
}

SHUNT_EXPORT ssize_t write(int fd, const void* buf, size_t n) {
    if (fd_table::get(fd)) return send_common(fd, buf, n, 0);
    return real::write(fd, buf, n);
}

SHUNT_EXPORT ssize_t readv(int fd, const iovec* iov, int n) {
    if (fd_table::get(fd)) {
        if (n < 0 || n > IOV_MAX) {
            errno = EINVAL;
            return -1;
        }
        return recv_any(fd, iov, n, 0);
    }
    return real::readv(fd, iov, n);
}

SHUNT_EXPORT ssize_t writev(int fd, const iovec* iov, int n) {
    if (fd_table::get(fd)) {
        if (n < 0 || n > IOV_MAX) {
            errno = EINVAL;
            return -1;
        }
        return send_any(fd, iov, n, 0);
    }
    return real::writev(fd, iov, n);
}

SHUNT_EXPORT ssize_t recv(int fd, void* buf, size_t n, int flags) {
    if (fd_table::get(fd)) return recv_common(fd, buf, n, flags);
    return real::recv(fd, buf, n, flags);
}

SHUNT_EXPORT ssize_t __recv_chk(int fd, void* buf, size_t n, size_t buflen, int flags) {
    if (fd_table::get(fd)) {
        if (n > buflen) __builtin_trap();
        return recv_common(fd, buf, n, flags);
    }
    return real::__recv_chk(fd, buf, n, buflen, flags);
}

SHUNT_EXPORT ssize_t recvfrom(int fd, void* buf, size_t n, int flags, sockaddr* addr, socklen_t* len) {
    if (fd_table::get(fd)) return recv_common(fd, buf, n, flags, addr, len);
    return real::recvfrom(fd, buf, n, flags, addr, len);
}

SHUNT_EXPORT ssize_t __recvfrom_chk(int fd, void* buf, size_t n, size_t buflen, int flags, sockaddr* addr,
                                    socklen_t* len) {
    if (fd_table::get(fd)) {
        if (n > buflen) __builtin_trap();
        return recv_common(fd, buf, n, flags, addr, len);
    }
    return real::__recvfrom_chk(fd, buf, n, buflen, flags, addr, len);
}

SHUNT_EXPORT ssize_t recvmsg(int fd, msghdr* m, int flags) {
    if (fd_table::get(fd)) {
        if (!m || m->msg_iovlen > IOV_MAX) {
            errno = m ? EMSGSIZE : EFAULT;
            return -1;
        }
        socklen_t namelen = m->msg_name ? m->msg_namelen : 0;
        int mflags = 0;
        const ssize_t r = recv_any(fd, m->msg_iov, static_cast<int>(m->msg_iovlen), flags,
                                   static_cast<sockaddr*>(m->msg_name), m->msg_name ? &namelen : nullptr, &mflags);
        if (r >= 0) {
            m->msg_namelen = m->msg_name ? namelen : 0;
            m->msg_controllen = 0;
            m->msg_flags = mflags;
        }
        return r;
    }
    return real::recvmsg(fd, m, flags);
}

// recvmmsg(2) as the kernel's: datagrams until vlen, or until the first
// error once one was received (reported by the next call, as Linux does);
// MSG_WAITFORONE makes every receive after the first non-blocking; the
// timeout is looked at after each datagram.
SHUNT_EXPORT int recvmmsg(int fd, mmsghdr* v, unsigned int vlen, int flags, timespec* timeout) {
    accel_socket* s = fd_table::get(fd);
    if (!s) return real::recvmmsg(fd, v, vlen, flags, timeout);
    if (!v) {
        errno = EFAULT;
        return -1;
    }
    if (vlen > UIO_MAXIOV) vlen = UIO_MAXIOV;
    timespec end{};
    if (timeout) {
        if (timeout->tv_sec < 0 || timeout->tv_nsec < 0 || timeout->tv_nsec >= 1000000000L) {
            errno = EINVAL;
            return -1;
        }
        clock_gettime(CLOCK_MONOTONIC, &end);
        end.tv_sec += timeout->tv_sec;
        end.tv_nsec += timeout->tv_nsec;
        if (end.tv_nsec >= 1000000000L) {
            end.tv_sec += 1;
            end.tv_nsec -= 1000000000L;
        }
    }
    const int saved = errno;
    unsigned int got = 0;
    int f = flags & ~MSG_WAITFORONE;
    while (got < vlen) {
        const ssize_t r = recvmsg(fd, &v[got].msg_hdr, f);
        if (r < 0) {
            if (got == 0) return -1;
            break;
        }
        v[got++].msg_len = static_cast<unsigned int>(r);
        if (flags & MSG_WAITFORONE) f |= MSG_DONTWAIT;
        if (timeout) {
            timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            if (now.tv_sec > end.tv_sec || (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec)) break;
        }
    }
    errno = saved;
    return static_cast<int>(got);
}

SHUNT_EXPORT ssize_t send(int fd, const void* buf, size_t n, int flags) {
    if (fd_table::get(fd)) return send_common(fd, buf, n, flags);
    return real::send(fd, buf, n, flags);
}

SHUNT_EXPORT ssize_t sendto(int fd, const void* buf, size_t n, int flags, const sockaddr* addr, socklen_t len) {
    if (fd_table::get(fd)) return send_common(fd, buf, n, flags, addr, len);
    if (addr) {
        int e;
        if (accelerate_for_send(fd, addr, len, &e)) return send_common(fd, buf, n, flags, addr, len);
        if (e) {
            errno = e;
            return -1;
        }
    }
    return real::sendto(fd, buf, n, flags, addr, len);
}

SHUNT_EXPORT ssize_t sendmsg(int fd, const msghdr* m, int flags) {
    accel_socket* s = fd_table::get(fd);
    if (!s && m && m->msg_name) {
        int e;
        s = accelerate_for_send(fd, static_cast<const sockaddr*>(m->msg_name), m->msg_namelen, &e);
        if (e) {
            errno = e;
            return -1;
        }
    }
    if (s) {
        if (!m || m->msg_iovlen > IOV_MAX) {
            errno = m ? EMSGSIZE : EFAULT;
            return -1;
        }
        return send_any(fd, m->msg_iov, static_cast<int>(m->msg_iovlen), flags,
                        static_cast<const sockaddr*>(m->msg_name), m->msg_namelen);
    }
    return real::sendmsg(fd, m, flags);
}

// sendmmsg(2): datagrams until vlen or the first error; an error after at
// least one was sent is left for the next call (Linux).
SHUNT_EXPORT int sendmmsg(int fd, mmsghdr* v, unsigned int vlen, int flags) {
    accel_socket* s = fd_table::get(fd);  // each datagram's sendmsg holds it
    if (!s && v && vlen && v[0].msg_hdr.msg_name) {
        int e;
        s = accelerate_for_send(fd, static_cast<const sockaddr*>(v[0].msg_hdr.msg_name), v[0].msg_hdr.msg_namelen,
                                &e);
        if (e) {
            errno = e;
            return -1;
        }
    }
    if (!s) return real::sendmmsg(fd, v, vlen, flags);
    if (!v) {
        errno = EFAULT;
        return -1;
    }
    if (vlen > UIO_MAXIOV) vlen = UIO_MAXIOV;
    const int saved = errno;
    unsigned int sent = 0;
    while (sent < vlen) {
        const ssize_t r = sendmsg(fd, &v[sent].msg_hdr, flags);
        if (r < 0) {
            if (sent == 0) return -1;
            break;
        }
        v[sent++].msg_len = static_cast<unsigned int>(r);
    }
    errno = saved;
    return static_cast<int>(sent);
}

SHUNT_EXPORT int getsockname(int fd, sockaddr* addr, socklen_t* len) {
    if (held_socket s{fd}; s) {
        if (s->kernel_fd >= 0) return real::getsockname(s->kernel_fd, addr, len);
        return finish(op_name(*s, false, addr, len), errno);
    }
    return real::getsockname(fd, addr, len);
}

SHUNT_EXPORT int getpeername(int fd, sockaddr* addr, socklen_t* len) {
    if (held_socket s{fd}; s) return finish(op_name(*s, true, addr, len), errno);
    return real::getpeername(fd, addr, len);
}

SHUNT_EXPORT int getsockopt(int fd, int level, int name, void* val, socklen_t* len) {
    if (held_socket s{fd}; s) {
        // A listener on both stacks answers as the kernel's listener does.
        if (s->kernel_fd >= 0) return real::getsockopt(s->kernel_fd, level, name, val, len);
        return finish(op_getsockopt(*s, level, name, val, len), errno);
    }
    return real::getsockopt(fd, level, name, val, len);
}

SHUNT_EXPORT int setsockopt(int fd, int level, int name, const void* val, socklen_t len) {
    if (held_socket s{fd}; s) {
        if (s->kernel_fd >= 0) {  // both stacks; the kernel's answer is the app's
            if (real::setsockopt(s->kernel_fd, level, name, val, len) != 0) return -1;
            const int saved = errno;
            (void)op_setsockopt(*s, level, name, val, len);
            errno = saved;
            return 0;
        }
        return finish(op_setsockopt(*s, level, name, val, len), errno);
    }
    return real::setsockopt(fd, level, name, val, len);
}

SHUNT_EXPORT int ioctl(int fd, unsigned long req, ...) {
    va_list ap;
    va_start(ap, req);
    void* arg = va_arg(ap, void*);
    va_end(ap);
    if (held_socket s{fd}; s) {
        if (req == FIONBIO) {
            // The fd's file flag follows (by raw syscall: see fd_wrappers.cpp).
            const long rr = shm::sys::raw(SYS_ioctl, fd, static_cast<long>(req), reinterpret_cast<long>(arg));
            if (rr < 0) errno = static_cast<int>(-rr);
            const int r = rr < 0 ? -1 : 0;
            if (r == 0) s->nonblocking.store(*static_cast<int*>(arg) != 0, std::memory_order_relaxed);
            return r;
        }
        if (req == FIOCLEX || req == FIONCLEX) {
            // The fd's own close-on-exec flag (Python's set_inheritable), by
            // raw syscall: it is this fd's, not a socket's.
            const long rr = shm::sys::raw(SYS_ioctl, fd, static_cast<long>(req), reinterpret_cast<long>(arg));
            if (rr < 0) errno = static_cast<int>(-rr);
            return rr < 0 ? -1 : 0;
        }
        if (s->kernel_fd >= 0 && !s->dgram) return real::ioctl(s->kernel_fd, req, arg);  // a listener on both stacks
        if (req == FIONREAD || req == SIOCOUTQ) return finish(op_ioctl(fd, *s, req, arg), errno);
    }
    return real::ioctl(fd, req, arg);
}
