// Messages with up to two file descriptors (SCM_RIGHTS) on an AF_UNIX
// SOCK_SEQPACKET socket: how the segment's memfd reaches the app and how the
// app hands the daemon both ends of each notification socketpair (the
// daemon's end to signal on, the app's end to clear readability on:
// shm/notify.hpp).
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <cstddef>

namespace shunt::shm {

constexpr int k_max_passed_fds = 2;

// Sends len bytes and the nfds (0..k_max_passed_fds) descriptors, and with
// `cred` the sender's credentials (SCM_CREDENTIALS: the kernel checks them,
// unix(7)). 0 or -errno.
int send_with_fds(int sock, const void* buf, std::size_t len, const int* fds, int nfds, int flags,
                  const ucred* cred = nullptr);
// Sends len bytes and, if fd >= 0, the descriptor. Returns 0 or -errno.
int send_with_fd(int sock, const void* buf, std::size_t len, int fd, int flags);

// Receives one message (truncated to len) and up to k_max_passed_fds
// descriptors into fds[] in the order sent (-1 where none; extra descriptors
// are closed; all are close-on-exec). Returns the message length, 0 on
// hang-up, or -errno. *fds_lost (if given): descriptors were sent but the
// kernel could not install them all (MSG_CTRUNC: the receiver is at its
// RLIMIT_NOFILE); those received are closed and fds[] is all -1.
// `dispose` closes what is not kept (default: close(2); shuntd passes its
// fd reaper, as a sender's descriptor may block in close). *cred (if
// given): the sender's credentials when the message carries them (the
// receiver set SO_PASSCRED), else pid 0.
using fd_disposer = void (*)(int fd) noexcept;
ssize_t recv_with_fds(int sock, void* buf, std::size_t len, int fds[k_max_passed_fds], int flags,
                      bool* fds_lost = nullptr, fd_disposer dispose = nullptr, ucred* cred = nullptr);
// The same, keeping only the first descriptor (*fd, -1 if none).
ssize_t recv_with_fd(int sock, void* buf, std::size_t len, int* fd, int flags, fd_disposer dispose = nullptr);

}  // namespace shunt::shm
