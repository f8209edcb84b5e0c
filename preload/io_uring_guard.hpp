// io_uring and accelerated sockets (issue 20 item 12). A ring reads and
// writes fds inside the kernel, past libc and every hook of shunt's: on an
// accelerated socket's fd, which is its notify socket (docs/shm.md), it
// would read shuntd's readiness signals and write bytes nobody reads. So
// under SHUNT_IO_URING=kernel (the default) a process either has
// accelerated sockets or uses io_uring, never both:
//   - liburing among the objects loaded when libshunt starts (liburing
//     makes the ring with `syscall` instructions of its own, which no hook
//     sees): the process is an io_uring user before its first socket;
//   - io_uring_setup(2) through libc's syscall(2) (the syscall hook) or a
//     raw `syscall` trapped by SHUNT_SUD=1: with no accelerated socket
//     open, the process becomes an io_uring user and the ring is made;
//     with one open, the call fails with EPERM (what kernel.io_uring_disabled=2
//     and Docker's default seccomp profile answer, which programs handle
//     by falling back to epoll) and a warning says why, once.
// An io_uring user's sockets all stay on the kernel, as sockets shunt does
// not accelerate do. SHUNT_IO_URING=files (the user's word that no ring
// touches a socket) turns all of this off. The state is the process's
// memory: a forked child inherits it, an exec decides afresh.
//
// Ordering: a socket moves to shuntd under a fork_holders::creating hold,
// inside which open_in_daemon() asks kernel_only(); setup() decides under
// the whole lock (fork_holders::forking). So a socket is either in the fd
// table when a ring is decided, or it sees the mark and stays on the kernel.
#pragma once

namespace shunt::preload::io_uring_guard {

// From libshunt's constructor, before any socket of the process exists:
// reads SHUNT_IO_URING and looks for liburing among the loaded objects.
void init() noexcept;
// Whether new sockets must stay on the kernel (the process is an io_uring
// user and SHUNT_IO_URING=kernel). Decides only under a creating hold.
[[nodiscard]] bool kernel_only() noexcept;
// io_uring_setup(entries, params) as the hook hands it over: the ring's fd
// from the kernel, or -errno (-EPERM when refused).
[[nodiscard]] long setup(long entries, long params) noexcept;

}  // namespace shunt::preload::io_uring_guard
