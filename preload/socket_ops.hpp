// Operations on accelerated sockets, with the kernel's semantics. Each
// returns a value or an errno (shunt::result); only the wrappers turn that
// into errno + -1. `fd` is the app's fd for the socket (any of its dups):
// the notify end whose kernel readiness mirrors the socket's.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>

#include "base/result.hpp"
#include "preload/accel_socket.hpp"

namespace shunt::preload {

// Moves kernel socket fd (type SOCK_STREAM or SOCK_DGRAM) onto shuntd
// (keeping the fd number, its close-on-exec and O_NONBLOCK flags and the
// options set so far).
[[nodiscard]] result<accel_socket*> accelerate(int fd, int type);
// The first half of accelerate(): a socket in shuntd with kernel socket fd's
// options, and its notify fd (the app's end, close-on-exec) in *notify;
// fd itself is untouched. nullptr: no daemon, or the process uses io_uring
// (preload/io_uring_guard.hpp); the socket stays on the kernel. Both run
// under a fork_holders::creating hold, which that decision needs.
[[nodiscard]] result<accel_socket*> open_in_daemon(int fd, int type, int* notify);
// This process's view of socket `id` of the channel's segment (one fd_ref).
// fresh: a socket just opened or accepted (this process its only holder);
// otherwise one inherited across exec, whose state is read from the segment.
accel_socket* attach_socket(channel* ch, std::uint32_t id, bool dgram, bool fresh);

[[nodiscard]] result<int> op_bind(accel_socket& s, const sockaddr_in& a);
[[nodiscard]] result<int> op_listen(accel_socket& s, int backlog);
[[nodiscard]] result<int> op_connect(int fd, accel_socket& s, const sockaddr_in& a);
// force_nonblock: never wait (a listener on both stacks waits on its own).
[[nodiscard]] result<int> op_accept(int fd, accel_socket& s, sockaddr* addr, socklen_t* len, int flags,
                                    bool force_nonblock = false);
[[nodiscard]] result<ssize_t> op_send(int fd, accel_socket& s, const iovec* iov, int iovcnt, int flags);
[[nodiscard]] result<ssize_t> op_recv(int fd, accel_socket& s, const iovec* iov, int iovcnt, int flags);
[[nodiscard]] result<int> op_shutdown(int fd, accel_socket& s, int how);
[[nodiscard]] result<int> op_name(accel_socket& s, bool peer, sockaddr* addr, socklen_t* len);
[[nodiscard]] result<int> op_getsockopt(accel_socket& s, int level, int name, void* val, socklen_t* len);
[[nodiscard]] result<int> op_setsockopt(accel_socket& s, int level, int name, const void* val, socklen_t len);
[[nodiscard]] result<int> op_ioctl(int fd, accel_socket& s, unsigned long req, void* arg);
// UDP (dgram_ops.cpp). `to` null: the connected peer. `from`/`msg_flags` may be null.
[[nodiscard]] result<int> op_dgram_connect(accel_socket& s, const sockaddr* addr, socklen_t len);
[[nodiscard]] result<ssize_t> op_dgram_send(int fd, accel_socket& s, const iovec* iov, int iovcnt, int flags,
                                            const sockaddr* to, socklen_t tolen);
[[nodiscard]] result<ssize_t> op_dgram_recv(int fd, accel_socket& s, const iovec* iov, int iovcnt, int flags,
                                            sockaddr* from, socklen_t* fromlen, int* msg_flags);
[[nodiscard]] result<int> op_dgram_shutdown(int fd, accel_socket& s, int how);
// FIONREAD on a UDP socket: the next datagram's length (0 when none).
int dgram_next_length(accel_socket& s);

// A listener on both stacks (dual_listener.cpp). make_dual_listener runs
// after the kernel listen() of fd (bound to 0.0.0.0) succeeded: shuntd
// listens on the same port and fd becomes an epoll fd readable when either
// has a connection; nullptr when shuntd cannot (the listener stays kernel).
[[nodiscard]] accel_socket* make_dual_listener(int fd, int backlog);
[[nodiscard]] result<int> dual_accept(int fd, accel_socket& s, sockaddr* addr, socklen_t* len, int flags);

// The start a socket on both stacks makes (dual_listener.cpp): the kernel
// socket's name and flags, and a socket opened in shuntd and bound to
// 0.0.0.0 on the same port. start_dual() is false when that cannot be done
// (logged when shuntd refuses; nothing is left to undo); after it, a later
// step that fails calls give_up(), which logs and undoes it.
struct dual_start {
    const char* kind = "";  // "" (TCP) or "UDP ", for the log
    sockaddr_in local{};
    long fl = 0, fdfl = 0;  // the fd's file and fd flags
    int notify = -1;        // shuntd's notify socket for it (the app's end)
    accel_socket* s = nullptr;
    accel_socket* give_up(const char* what, int e);
};
[[nodiscard]] bool start_dual(int fd, int type, dual_start& d);

// A UDP socket on both stacks (dual_udp.cpp). make_dual_udp runs after the
// kernel bind() of fd to 0.0.0.0 succeeded: shuntd binds the same port and
// reads the kernel socket too, fd becomes the notify fd of the one receive
// ring; nullptr when shuntd cannot (the socket stays kernel). Such a socket
// (dgram with kernel_fd) sends to a destination shuntd does not serve
// through kernel_fd; dual_udp_connect narrows it to its peer's stack.
[[nodiscard]] accel_socket* make_dual_udp(int fd);
[[nodiscard]] result<int> dual_udp_connect(int fd, accel_socket& s, const sockaddr* addr, socklen_t len,
                                           bool to_shunt);

// One fd of the socket went away (close, or dup2 over it), or a call that
// held it ended (held_socket.hpp); the last reference in the last process
// closes the socket in shuntd.
void op_release(accel_socket* s);

}  // namespace shunt::preload
