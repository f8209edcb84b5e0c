/* Shared helpers of the semantic probes. Each probe exercises one behaviour
   and prints what it observed, one fact per line, with errno values by name,
   so the kernel run and the shunt run are compared line by line. Addresses
   and ports are never printed (they differ between the two runs). */
#ifndef SHUNT_PROBE_H
#define SHUNT_PROBE_H

#define _GNU_SOURCE 1

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

static inline const char* errname(int e) {
    switch (e) {
        case 0: return "0";
        case EAGAIN: return "EAGAIN";
        case EINPROGRESS: return "EINPROGRESS";
        case EALREADY: return "EALREADY";
        case EISCONN: return "EISCONN";
        case ENOTCONN: return "ENOTCONN";
        case ECONNREFUSED: return "ECONNREFUSED";
        case ECONNRESET: return "ECONNRESET";
        case EPIPE: return "EPIPE";
        case ETIMEDOUT: return "ETIMEDOUT";
        case EADDRINUSE: return "EADDRINUSE";
        case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
        case EACCES: return "EACCES";
        case EINVAL: return "EINVAL";
        case EBADF: return "EBADF";
        case EINTR: return "EINTR";
        case ENOPROTOOPT: return "ENOPROTOOPT";
        case ENETUNREACH: return "ENETUNREACH";
        case EHOSTUNREACH: return "EHOSTUNREACH";
        case EDESTADDRREQ: return "EDESTADDRREQ";
        case EMSGSIZE: return "EMSGSIZE";
        case EOPNOTSUPP: return "EOPNOTSUPP";
        case EAFNOSUPPORT: return "EAFNOSUPPORT";
        default: {
            static char buf[32];
            snprintf(buf, sizeof buf, "errno%d", e);
            return buf;
        }
    }
}

/* "name: result" with the errno by name when it failed. */
#define SHOW(label, expr)                                                             \
    do {                                                                              \
        errno = 0;                                                                    \
        long r_ = (long)(expr);                                                       \
        if (r_ < 0) printf("%s: -1 %s\n", label, errname(errno));                      \
        else printf("%s: ok\n", label);                                               \
    } while (0)

static inline struct sockaddr_in probe_addr(const char* host, int port) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
        fprintf(stderr, "bad address %s\n", host);
        exit(2);
    }
    return a;
}

/* epoll's ready list order is the kernel's business: sorts what a wait
   returned by data.u32, so both runs print the same order. */
static inline void probe_sort_events(struct epoll_event* ev, int n) {
    for (int i = 1; i < n; ++i)
        for (int j = i; j > 0 && ev[j].data.u32 < ev[j - 1].data.u32; --j) {
            struct epoll_event t = ev[j];
            ev[j] = ev[j - 1];
            ev[j - 1] = t;
        }
}

/* Waits (up to 2 s) until fd has `want` bytes queued (an echo came back). */
static inline void probe_await_bytes(int fd, int want) {
    for (int i = 0; i < 200; ++i) {
        int q = 0;
        ioctl(fd, FIONREAD, &q);
        if (q >= want) return;
        usleep(10000);
    }
}

/* A blocking connection to host:port, or exit 2. */
static inline int probe_connect(const char* host, int port) {
    struct sockaddr_in a = probe_addr(host, port);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr*)&a, sizeof a) != 0) {
        fprintf(stderr, "connect %s:%d: %s\n", host, port, strerror(errno));
        exit(2);
    }
    return fd;
}

static inline int probe_listen(const char* host, int port) {
    struct sockaddr_in a = probe_addr(host, port);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, (struct sockaddr*)&a, sizeof a) != 0 || listen(fd, 16) != 0) {
        fprintf(stderr, "listen %s:%d: %s\n", host, port, strerror(errno));
        exit(2);
    }
    return fd;
}

static inline void need_args(int argc, int n, const char* usage) {
    if (argc < n) {
        fprintf(stderr, "usage: %s\n", usage);
        exit(2);
    }
}

/* What the peer's observer (9007) saw of the last connection to it, from
   9008 ("eof N" or "reset N"), printed after `label`; 300 ms after the
   connection ended. */
static inline void probe_observer_saw(const char* peer, const char* label) {
    usleep(300000);
    int q = probe_connect(peer, 9008);
    char buf[64];
    ssize_t n = recv(q, buf, sizeof buf - 1, MSG_WAITALL);
    buf[n > 0 ? n : 0] = 0;
    printf("%s: %s", label, n > 0 ? buf : "(nothing)\n");
    close(q);
}

static inline const char* revents_text(short r) {
    static char buf[64];
    buf[0] = 0;
    if (r & POLLIN) strcat(buf, "IN ");
    if (r & POLLOUT) strcat(buf, "OUT ");
    if (r & POLLERR) strcat(buf, "ERR ");
    if (r & POLLHUP) strcat(buf, "HUP ");
    if (r & POLLRDHUP) strcat(buf, "RDHUP ");
    if (!buf[0]) strcpy(buf, "none");
    return buf;
}

#endif
