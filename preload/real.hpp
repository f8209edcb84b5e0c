// libc's own implementations of the functions libshunt wraps, found with
// dlsym(RTLD_NEXT) once at load (and on first use, should a wrapper run
// before libshunt's constructor).
#pragma once

#define _GNU_SOURCE 1
#include <fcntl.h>
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
}

namespace shunt::preload::real {

#define SHUNT_WRAP(name) extern decltype(&::name) name;
#include "preload/wrapped.def"
#undef SHUNT_WRAP

// Looks every function up; called by libshunt's constructor.
void resolve() noexcept;

}  // namespace shunt::preload::real
