// libc's own implementations of the functions libshunt wraps, found with
// dlsym(RTLD_NEXT) once at load (and on first use, should a wrapper run
// before libshunt's constructor).
#pragma once

#define _GNU_SOURCE 1
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

extern "C" {
ssize_t __read_chk(int fd, void* buf, size_t nbytes, size_t buflen);
ssize_t __recv_chk(int fd, void* buf, size_t len, size_t buflen, int flags);
ssize_t __recvfrom_chk(int fd, void* buf, size_t len, size_t buflen, int flags, struct sockaddr* addr,
                       socklen_t* addrlen);
int fcntl64(int fd, int cmd, ...);
int __poll_chk(struct pollfd* fds, nfds_t nfds, int timeout, size_t fdslen);
int __ppoll_chk(struct pollfd* fds, nfds_t nfds, const struct timespec* timeout, const sigset_t* ss, size_t fdslen);
}

namespace shunt::preload::real {

#define SHUNT_WRAP(name) extern decltype(&::name) name;
#include "preload/wrapped.def"
#undef SHUNT_WRAP

// Looks every function up; called by libshunt's constructor.
void resolve() noexcept;

}  // namespace shunt::preload::real
