// The libc entry points libshunt.so exports (preload/wrapped.def). Each looks
// the fd up once: a kernel fd goes straight to libc's own function; an
// accelerated one to socket_ops. bind() and connect() are where the policy
// moves a kernel socket onto shuntd. errno is set only on failure.
#include <arpa/inet.h>
#include <linux/sockios.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
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

bool inet_stream(int fd) {
    int v = 0;
    socklen_t len = sizeof v;
    if (shm::sys::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len) < 0 || v != AF_INET) return false;
    len = sizeof v;
    return shm::sys::getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) == 0 && v == SOCK_STREAM;
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

// The policy's routes come from the daemon: attaching is deferred to the
// first AF_INET stream socket that binds or connects.
const policy_env& env() {
    static const policy_env e = read_policy_env();
    return e;
}

result<int> dup_into(int newfd, accel_socket* s) {
    s->fd_refs.fetch_add(1, std::memory_order_relaxed);
    fd_table::set(newfd, s);
    return newfd;
}

// After dup2/dup3 replaced newfd: what it named before is one fd fewer.
void replaced(int newfd) {
    if (accel_socket* prev = fd_table::take(newfd)) op_release(prev);
}

ssize_t recv_common(int fd, accel_socket* s, void* buf, size_t n, int flags) {
    const int saved = errno;
    iovec iov{buf, n};
    return finish(op_recv(fd, *s, &iov, 1, flags), saved);
}

ssize_t send_common(int fd, accel_socket* s, const void* buf, size_t n, int flags) {
    const int saved = errno;
    iovec iov{const_cast<void*>(buf), n};
    return finish(op_send(fd, *s, &iov, 1, flags), saved);
}

// sendfile(2) to an accelerated socket: the file's bytes are read (pread, so
// an unsent tail is never consumed) and sent through the ring. The offset or
// the file position advances by what was sent, as the kernel's does.
ssize_t sendfile_common(int out_fd, accel_socket* s, int in_fd, off64_t* offset, size_t count) {
    const int saved = errno;
    off64_t pos = offset ? *offset : lseek64(in_fd, 0, SEEK_CUR);
    if (pos < 0) return -1;
    char buf[32768];
    size_t done = 0;
    int error = 0;
    while (done < count) {
        const size_t want = std::min(sizeof buf, count - done);
        const ssize_t n = pread64(in_fd, buf, want, pos);
        if (n < 0) {
            error = errno;
            break;
        }
        if (n == 0) break;  // end of file
        iovec iov{buf, static_cast<size_t>(n)};
        auto r = op_send(out_fd, *s, &iov, 1, 0);  // non-blocking sockets take what fits
        if (!r) {
            error = r.err().code;
            break;
        }
        done += static_cast<size_t>(*r);
        pos += *r;
        if (*r < n) break;
    }
    if (offset) *offset = pos;
    else lseek64(in_fd, pos, SEEK_SET);
    if (done == 0 && error) {
        errno = error;
        return -1;
    }
    errno = saved;
    return static_cast<ssize_t>(done);
}

}  // namespace
}  // namespace shunt::preload

using namespace shunt;
using namespace shunt::preload;

SHUNT_EXPORT int bind(int fd, const sockaddr* addr, socklen_t len) {
    const int saved = errno;
    if (accel_socket* s = fd_table::get(fd)) {
        sockaddr_in sin;
        if (!as_inet(addr, len, &sin)) {
            errno = addr && addr->sa_family != AF_INET ? EAFNOSUPPORT : EINVAL;
            return -1;
        }
        return finish(op_bind(*s, sin), saved);
    }
    sockaddr_in sin;
    if (env().enabled && as_inet(addr, len, &sin) && inet_stream(fd)) {
        if (channel* ch = channel::get()) {
            const auto& h = ch->header();
            if (accelerate_bind(sin, h.routes, h.n_routes, env())) {
                auto r = accelerate(fd);
                if (!r) return finish(result<int>(r.err()), saved);
                if (*r) {
                    fd_table::set(fd, *r);
                    return finish(op_bind(**r, sin), saved);
                }
            }
        }
    }
    return real::bind(fd, addr, len);
}

SHUNT_EXPORT int listen(int fd, int backlog) {
    if (accel_socket* s = fd_table::get(fd)) return finish(op_listen(*s, backlog), errno);
    return real::listen(fd, backlog);
}

SHUNT_EXPORT int connect(int fd, const sockaddr* addr, socklen_t len) {
    const int saved = errno;
    sockaddr_in sin;
    if (accel_socket* s = fd_table::get(fd)) {
        if (!as_inet(addr, len, &sin)) {
            errno = addr && addr->sa_family != AF_INET ? EAFNOSUPPORT : EINVAL;
            return -1;
        }
        return finish(op_connect(fd, *s, sin), saved);
    }
    if (env().enabled && as_inet(addr, len, &sin) && inet_stream(fd) && !kernel_bound(fd)) {
        if (channel* ch = channel::get()) {
            const auto& h = ch->header();
            if (accelerate_connect(sin, h.routes, h.n_routes, env())) {
                auto r = accelerate(fd);
                if (!r) return finish(result<int>(r.err()), saved);
                if (*r) {
                    fd_table::set(fd, *r);
                    return finish(op_connect(fd, **r, sin), saved);
                }
            }
        }
    }
    return real::connect(fd, addr, len);
}

SHUNT_EXPORT int accept4(int fd, sockaddr* addr, socklen_t* len, int flags) {
    if (accel_socket* s = fd_table::get(fd)) return finish(op_accept(fd, *s, addr, len, flags), errno);
    return real::accept4(fd, addr, len, flags);
}

SHUNT_EXPORT int accept(int fd, sockaddr* addr, socklen_t* len) {
    if (accel_socket* s = fd_table::get(fd)) return finish(op_accept(fd, *s, addr, len, 0), errno);
    return real::accept(fd, addr, len);
}

SHUNT_EXPORT int shutdown(int fd, int how) {
    if (accel_socket* s = fd_table::get(fd)) return finish(op_shutdown(fd, *s, how), errno);
    return real::shutdown(fd, how);
}

SHUNT_EXPORT int close(int fd) {
    accel_socket* s = fd_table::take(fd);
    if (!s) return real::close(fd);
    const long r = shm::sys::close(fd);
    op_release(s);
    if (r < 0 && r != -EINTR) {
        errno = static_cast<int>(-r);
        return -1;
    }
    return 0;
}

SHUNT_EXPORT ssize_t read(int fd, void* buf, size_t n) {
    if (accel_socket* s = fd_table::get(fd)) return recv_common(fd, s, buf, n, 0);
    return real::read(fd, buf, n);
}

SHUNT_EXPORT ssize_t __read_chk(int fd, void* buf, size_t n, size_t buflen) {
    if (accel_socket* s = fd_table::get(fd)) {
        if (n > buflen) __builtin_trap();  // glibc's __chk_fail: a buffer overflow in the app
        return recv_common(fd, s, buf, n, 0);
    }
    return real::__read_chk(fd, buf, n, buflen);
}

SHUNT_EXPORT ssize_t write(int fd, const void* buf, size_t n) {
    if (accel_socket* s = fd_table::get(fd)) return send_common(fd, s, buf, n, 0);
    return real::write(fd, buf, n);
}

SHUNT_EXPORT ssize_t readv(int fd, const iovec* iov, int n) {
    if (accel_socket* s = fd_table::get(fd)) {
        if (n < 0 || n > IOV_MAX) {
            errno = EINVAL;
            return -1;
        }
        return finish(op_recv(fd, *s, iov, n, 0), errno);
    }
    return real::readv(fd, iov, n);
}

SHUNT_EXPORT ssize_t writev(int fd, const iovec* iov, int n) {
    if (accel_socket* s = fd_table::get(fd)) {
        if (n < 0 || n > IOV_MAX) {
            errno = EINVAL;
            return -1;
        }
        return finish(op_send(fd, *s, iov, n, 0), errno);
    }
    return real::writev(fd, iov, n);
}

SHUNT_EXPORT ssize_t recv(int fd, void* buf, size_t n, int flags) {
    if (accel_socket* s = fd_table::get(fd)) return recv_common(fd, s, buf, n, flags);
    return real::recv(fd, buf, n, flags);
}

SHUNT_EXPORT ssize_t __recv_chk(int fd, void* buf, size_t n, size_t buflen, int flags) {
    if (accel_socket* s = fd_table::get(fd)) {
        if (n > buflen) __builtin_trap();
        return recv_common(fd, s, buf, n, flags);
    }
    return real::__recv_chk(fd, buf, n, buflen, flags);
}

SHUNT_EXPORT ssize_t recvfrom(int fd, void* buf, size_t n, int flags, sockaddr* addr, socklen_t* len) {
    if (accel_socket* s = fd_table::get(fd)) {
        const ssize_t r = recv_common(fd, s, buf, n, flags);
        if (r >= 0 && len) *len = 0;  // a stream socket reports no source address
        return r;
    }
    return real::recvfrom(fd, buf, n, flags, addr, len);
}

SHUNT_EXPORT ssize_t __recvfrom_chk(int fd, void* buf, size_t n, size_t buflen, int flags, sockaddr* addr,
                                    socklen_t* len) {
    if (accel_socket* s = fd_table::get(fd)) {
        if (n > buflen) __builtin_trap();
        const ssize_t r = recv_common(fd, s, buf, n, flags);
        if (r >= 0 && len) *len = 0;
        return r;
    }
    return real::__recvfrom_chk(fd, buf, n, buflen, flags, addr, len);
}

SHUNT_EXPORT ssize_t recvmsg(int fd, msghdr* m, int flags) {
    if (accel_socket* s = fd_table::get(fd)) {
        if (!m || m->msg_iovlen > IOV_MAX) {
            errno = m ? EMSGSIZE : EFAULT;
            return -1;
        }
        const ssize_t r = finish(op_recv(fd, *s, m->msg_iov, static_cast<int>(m->msg_iovlen), flags), errno);
        if (r >= 0) {
            m->msg_namelen = 0;
            m->msg_controllen = 0;
            m->msg_flags = 0;
        }
        return r;
    }
    return real::recvmsg(fd, m, flags);
}

SHUNT_EXPORT ssize_t send(int fd, const void* buf, size_t n, int flags) {
    if (accel_socket* s = fd_table::get(fd)) return send_common(fd, s, buf, n, flags);
    return real::send(fd, buf, n, flags);
}

SHUNT_EXPORT ssize_t sendto(int fd, const void* buf, size_t n, int flags, const sockaddr* addr, socklen_t len) {
    // A connected stream socket ignores the destination, as Linux's TCP does.
    if (accel_socket* s = fd_table::get(fd)) return send_common(fd, s, buf, n, flags);
    return real::sendto(fd, buf, n, flags, addr, len);
}

SHUNT_EXPORT ssize_t sendmsg(int fd, const msghdr* m, int flags) {
    if (accel_socket* s = fd_table::get(fd)) {
        if (!m || m->msg_iovlen > IOV_MAX) {
            errno = m ? EMSGSIZE : EFAULT;
            return -1;
        }
        return finish(op_send(fd, *s, m->msg_iov, static_cast<int>(m->msg_iovlen), flags), errno);
    }
    return real::sendmsg(fd, m, flags);
}

SHUNT_EXPORT int getsockname(int fd, sockaddr* addr, socklen_t* len) {
    if (accel_socket* s = fd_table::get(fd)) return finish(op_name(*s, false, addr, len), errno);
    return real::getsockname(fd, addr, len);
}

SHUNT_EXPORT int getpeername(int fd, sockaddr* addr, socklen_t* len) {
    if (accel_socket* s = fd_table::get(fd)) return finish(op_name(*s, true, addr, len), errno);
    return real::getpeername(fd, addr, len);
}

SHUNT_EXPORT int getsockopt(int fd, int level, int name, void* val, socklen_t* len) {
    if (accel_socket* s = fd_table::get(fd)) return finish(op_getsockopt(*s, level, name, val, len), errno);
    return real::getsockopt(fd, level, name, val, len);
}

SHUNT_EXPORT int setsockopt(int fd, int level, int name, const void* val, socklen_t len) {
    if (accel_socket* s = fd_table::get(fd)) return finish(op_setsockopt(*s, level, name, val, len), errno);
    return real::setsockopt(fd, level, name, val, len);
}

SHUNT_EXPORT int ioctl(int fd, unsigned long req, ...) {
    va_list ap;
    va_start(ap, req);
    void* arg = va_arg(ap, void*);
    va_end(ap);
    if (accel_socket* s = fd_table::get(fd)) {
        if (req == FIONBIO) {
            const int r = real::ioctl(fd, req, arg);  // the fd's file flag follows
            if (r == 0) s->nonblocking.store(*static_cast<int*>(arg) != 0, std::memory_order_relaxed);
            return r;
        }
        if (req == FIONREAD || req == SIOCOUTQ) return finish(op_ioctl(fd, *s, req, arg), errno);
    }
    return real::ioctl(fd, req, arg);
}

namespace {

int fcntl_common(decltype(real::fcntl) fn, int fd, int cmd, void* arg) {
    const int r = fn(fd, cmd, arg);
    if (r < 0) return r;
    accel_socket* s = fd_table::get(fd);
    if (!s) return r;
    if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) {
        (void)dup_into(r, s);
    } else if (cmd == F_SETFL) {
        s->nonblocking.store((reinterpret_cast<long>(arg) & O_NONBLOCK) != 0, std::memory_order_relaxed);
    }
    return r;
}

}  // namespace

SHUNT_EXPORT int fcntl(int fd, int cmd, ...) {
    va_list ap;
    va_start(ap, cmd);
    void* arg = va_arg(ap, void*);
    va_end(ap);
    return fcntl_common(real::fcntl, fd, cmd, arg);
}

SHUNT_EXPORT int fcntl64(int fd, int cmd, ...) {
    va_list ap;
    va_start(ap, cmd);
    void* arg = va_arg(ap, void*);
    va_end(ap);
    return fcntl_common(real::fcntl64, fd, cmd, arg);
}

SHUNT_EXPORT int dup(int fd) {
    const int r = real::dup(fd);
    if (r >= 0)
        if (accel_socket* s = fd_table::get(fd)) (void)dup_into(r, s);
    return r;
}

SHUNT_EXPORT int dup2(int oldfd, int newfd) {
    const int r = real::dup2(oldfd, newfd);
    if (r < 0 || oldfd == newfd) return r;
    replaced(newfd);
    if (accel_socket* s = fd_table::get(oldfd)) (void)dup_into(newfd, s);
    return r;
}

SHUNT_EXPORT int dup3(int oldfd, int newfd, int flags) {
    const int r = real::dup3(oldfd, newfd, flags);
    if (r < 0) return r;
    replaced(newfd);
    if (accel_socket* s = fd_table::get(oldfd)) (void)dup_into(newfd, s);
    return r;
}

SHUNT_EXPORT ssize_t sendfile(int out_fd, int in_fd, off_t* offset, size_t count) {
    if (accel_socket* s = fd_table::get(out_fd)) {
        off64_t o = offset ? *offset : 0;
        const ssize_t r = sendfile_common(out_fd, s, in_fd, offset ? &o : nullptr, count);
        if (offset) *offset = static_cast<off_t>(o);
        return r;
    }
    return real::sendfile(out_fd, in_fd, offset, count);
}

SHUNT_EXPORT ssize_t sendfile64(int out_fd, int in_fd, off64_t* offset, size_t count) {
    if (accel_socket* s = fd_table::get(out_fd)) return sendfile_common(out_fd, s, in_fd, offset, count);
    return real::sendfile64(out_fd, in_fd, offset, count);
}

// A forked child shares every accelerated socket: each counts one more
// process, so the socket closes in shuntd only when the last one closes it.
SHUNT_EXPORT pid_t fork() {
    std::vector<accel_socket*> counted;
    fd_table::for_each([&](int, accel_socket* s) {
        for (accel_socket* c : counted)
            if (c == s) return;
        counted.push_back(s);
        s->sh->app_refs.fetch_add(1, std::memory_order_relaxed);
    });
    const pid_t pid = real::fork();
    if (pid < 0) {
        const int saved = errno;
        for (accel_socket* s : counted) s->sh->app_refs.fetch_sub(1, std::memory_order_relaxed);
        errno = saved;
    }
    return pid;
}
