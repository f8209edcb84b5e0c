// A UDP socket bound to 0.0.0.0 serves both stacks, as the kernel's would
// receive on every interface: datagrams that reach the host's kernel and
// those that reach shuntd's ports. At bind(), the kernel socket binds as
// asked; shuntd opens a socket on the same port and takes a copy of the
// kernel socket (op::kernel_socket), whose datagrams it delivers into the
// same receive ring with their sources, so one ring, one notify fd and
// unmodified poll/select/epoll (POLLOUT included) serve both. The app's fd
// becomes the notify fd; a datagram to a destination shuntd serves leaves
// through shuntd, any other through the kernel socket, each with the source
// its stack gives it. connect() narrows the socket to the stack of its peer.
#include <fcntl.h>

#include "preload/channel.hpp"
#include "preload/fd_table.hpp"
#include "preload/log.hpp"
#include "preload/op_helpers.hpp"
#include "preload/real.hpp"
#include "preload/socket_ops.hpp"

namespace shunt::preload {

namespace {

// op::kernel_socket: a = 0 hands shuntd `kfd`, a = 1 takes it back.
result<int> kernel_socket_call(accel_socket& s, int kfd) {
    shm::command c = make_cmd(shm::op::kernel_socket, s);
    c.a = kfd >= 0 ? 0 : 1;
    const auto cpl = s.ch->call(c, kfd);
    if (cpl.result < 0) return err(static_cast<int>(-cpl.result));
    return 0;
}

}  // namespace

accel_socket* make_dual_udp(int fd) {
    dual_start d;
    d.kind = "UDP ";
    if (!start_dual(fd, SOCK_DGRAM, d)) return nullptr;
    accel_socket* s = d.s;
    const long fl = d.fl, fdfl = d.fdfl;
    const int notify = d.notify;
    const sockaddr_in& local = d.local;
    // shuntd gets its own copy of the kernel socket; the app keeps one
    // (private, close-on-exec) to send through.
    const long copy = raw(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 3);
    if (copy < 0) return d.give_up("dup", static_cast<int>(-copy));
    const auto sent = kernel_socket_call(*s, static_cast<int>(copy));
    shm::sys::close(static_cast<int>(copy));
    if (!sent) return d.give_up("kernel socket", sent.err().code);
    const long kfd = raw(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 3);
    if (kfd < 0) return d.give_up("dup", static_cast<int>(-kfd));
    // The notify fd takes over the app's fd number (its file flags follow).
    raw(SYS_dup3, notify, fd, (fdfl & FD_CLOEXEC) ? O_CLOEXEC : 0);
    shm::sys::close(notify);
    if (fl & O_NONBLOCK) raw(SYS_fcntl, fd, F_SETFL, O_NONBLOCK);
    s->kernel_fd = static_cast<int>(kfd);
    log_line(log_level::debug, "UDP 0.0.0.0:%u receives on the kernel and on shuntd", ntohs(local.sin_port));
    return s;
}

result<int> dual_udp_connect(int fd, accel_socket& s, const sockaddr* addr, socklen_t len, bool to_shunt) {
    if (addr && len >= static_cast<socklen_t>(sizeof(sa_family_t)) && addr->sa_family == AF_UNSPEC) {
        // Dissolving an association that was never made: nothing to narrow.
        if (real::connect(s.kernel_fd, addr, len) != 0) return err(errno);
        return op_dgram_connect(s, addr, len);
    }
    if (to_shunt) {
        // A peer on shuntd's side: the kernel socket goes (its port with it).
        if (auto r = kernel_socket_call(s, -1); !r) return r;
        shm::sys::close(s.kernel_fd);
        s.kernel_fd = -1;
        return op_dgram_connect(s, addr, len);
    }
    // A peer on the kernel's side: the fd becomes the kernel socket again
    // and shuntd's side closes.
    const long fl = raw(SYS_fcntl, fd, F_GETFL);
    const long fdfl = raw(SYS_fcntl, fd, F_GETFD);
    if (raw(SYS_dup3, s.kernel_fd, fd, (fdfl > 0 && (fdfl & FD_CLOEXEC)) ? O_CLOEXEC : 0) < 0) return err(EBADF);
    raw(SYS_fcntl, fd, F_SETFL, (fl > 0 && (fl & O_NONBLOCK)) ? O_NONBLOCK : 0);
    if (accel_socket* taken = fd_table::take(fd)) op_release(taken);  // closes the private copy too
    if (real::connect(fd, addr, len) != 0) return err(errno);
    return 0;
}

}  // namespace shunt::preload
