// glibc's public double-underscore aliases of wrapped functions (exported
// at GLIBC_2.2.5; a few programs and libraries call them directly). Each
// forwards to libshunt's wrapper of the plain name.
#include <fcntl.h>
#include <poll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdarg>

#define SHUNT_EXPORT extern "C" __attribute__((visibility("default")))

SHUNT_EXPORT int __close(int fd) { return close(fd); }
SHUNT_EXPORT int __connect(int fd, const sockaddr* addr, socklen_t len) { return connect(fd, addr, len); }
SHUNT_EXPORT int __dup2(int oldfd, int newfd) { return dup2(oldfd, newfd); }
SHUNT_EXPORT pid_t __fork() { return fork(); }
SHUNT_EXPORT pid_t __vfork() { return fork(); }  // as vfork (preload/process_wrappers.cpp)
SHUNT_EXPORT ssize_t __read(int fd, void* buf, size_t n) { return read(fd, buf, n); }
SHUNT_EXPORT ssize_t __write(int fd, const void* buf, size_t n) { return write(fd, buf, n); }
SHUNT_EXPORT int __poll(pollfd* fds, nfds_t n, int timeout) { return poll(fds, n, timeout); }
SHUNT_EXPORT int __select(int n, fd_set* r, fd_set* w, fd_set* e, timeval* t) { return select(n, r, w, e, t); }
SHUNT_EXPORT ssize_t __send(int fd, const void* buf, size_t n, int flags) { return send(fd, buf, n, flags); }

// The variadic argument is one int or pointer (fcntl(2)), passed on as such.
SHUNT_EXPORT int __fcntl(int fd, int cmd, ...) {
    va_list ap;
    va_start(ap, cmd);
    void* arg = va_arg(ap, void*);
    va_end(ap);
    return fcntl(fd, cmd, arg);
}
