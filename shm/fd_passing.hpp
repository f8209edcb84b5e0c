// Messages with one optional file descriptor (SCM_RIGHTS) on an AF_UNIX
// SOCK_SEQPACKET socket: how the segment's memfd reaches the app and how the
// app hands the daemon its end of each notification socketpair.
#pragma once

#include <cstddef>
#include <sys/types.h>

namespace shunt::shm {

// Sends len bytes and, if fd >= 0, the descriptor. Returns 0 or -errno.
int send_with_fd(int sock, const void* buf, std::size_t len, int fd, int flags);

// Receives one message (truncated to len) and at most one descriptor into
// *fd (-1 if none; extra descriptors are closed). Returns the message length,
// 0 on hang-up, or -errno.
ssize_t recv_with_fd(int sock, void* buf, std::size_t len, int* fd, int flags);

}  // namespace shunt::shm
