/* conn_bench: the scale figure of ./dev bench (connections held, connections
   per second). One program, three roles:

     conn_bench server ADDR PORT [greet]
         epoll server: accepts every connection and holds it until the client
         closes or resets it; with `greet` it first writes one byte to it.
         Prints "listening", then "open N accepted M" whenever a count
         changed (at most every 100 ms).
     conn_bench hold ADDR PORT N SECONDS
         opens N connections (non-blocking connects, at most 512 in flight),
         re-opening those reset after the handshake, prints "connected C
         failed F resets R refused X seconds S", then holds them until killed
         or SECONDS pass.
     conn_bench rate ADDR PORT SECONDS CONCURRENCY
         connect, read the greeting byte (the server accepted and served the
         connection), close (SO_LINGER 0: a reset, so no TIME_WAIT exhausts
         the ports) in a loop for SECONDS, CONCURRENCY connections at a time.
         Counts only greeted connections. Prints
         "cps R connections C failed F last_error E".

   The client sockets all close with a reset, in both roles: a run leaves no
   TIME_WAIT behind on the peer. */
#define _GNU_SOURCE 1

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char* what) {
    fprintf(stderr, "conn_bench: %s: %s\n", what, strerror(errno));
    exit(1);
}

static struct sockaddr_in address(const char* ip, const char* port) {
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((unsigned short)atoi(port));
    if (inet_pton(AF_INET, ip, &sin.sin_addr) != 1) {
        fprintf(stderr, "conn_bench: bad address %s\n", ip);
        exit(2);
    }
    return sin;
}

__attribute__((noreturn)) static void server(struct sockaddr_in sin, int greet) {
    const int one = 1;
    int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (l < 0) die("socket");
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(l, (struct sockaddr*)&sin, sizeof sin) != 0) die("bind");
    if (listen(l, 4096) != 0) die("listen");
    int ep = epoll_create1(0);
    if (ep < 0) die("epoll_create1");
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = l};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev) != 0) die("epoll_ctl");
    printf("listening\n");
    fflush(stdout);
    long open = 0, accepted = 0, shown = -1, shown_accepted = -1;
    double last = 0;
    struct epoll_event evs[256];
    char buf[4096];
    for (;;) {
        int n = epoll_wait(ep, evs, 256, 100);
        if (n < 0 && errno != EINTR) die("epoll_wait");
        for (int i = 0; i < n; ++i) {
            int fd = evs[i].data.fd;
            if (fd == l) {
                for (;;) {
                    int c = accept4(l, NULL, NULL, SOCK_NONBLOCK);
                    if (c < 0) {
                        if (errno != EAGAIN && errno != ECONNABORTED && errno != EINTR)
                            fprintf(stderr, "conn_bench: accept4: %s\n", strerror(errno));
                        break;
                    }
                    struct epoll_event ce = {.events = EPOLLIN | EPOLLRDHUP, .data.fd = c};
                    if (epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce) != 0) {
                        close(c);
                        continue;
                    }
                    ++open;
                    ++accepted;
                    if (greet && write(c, "k", 1) != 1) {
                        /* reset before we greeted it: the client counts it failed */
                    }
                }
                continue;
            }
            ssize_t r = read(fd, buf, sizeof buf);
            if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
                close(fd);
                --open;
            }
        }
        if ((open != shown || accepted != shown_accepted) && (now_s() - last >= 0.1 || n == 0)) {
            printf("open %ld accepted %ld\n", open, accepted);
            fflush(stdout);
            shown = open;
            shown_accepted = accepted;
            last = now_s();
        }
    }
}

/* A non-blocking connect to sin, registered for EPOLLOUT; -1 on failure. */
static int start_connect(int ep, const struct sockaddr_in* sin) {
    const struct linger lg = {1, 0};
    int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (s < 0) return -1;
    setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    if (connect(s, (const struct sockaddr*)sin, sizeof *sin) != 0 && errno != EINPROGRESS) {
        close(s);
        return -1;
    }
    struct epoll_event ev = {.events = EPOLLOUT, .data.fd = s};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev) != 0) {
        close(s);
        return -1;
    }
    return s;
}

static int last_error;  /* the last failed connect's errno, for the report */

static int connected_ok(int ep, int s) {
    int e = 0;
    socklen_t len = sizeof e;
    epoll_ctl(ep, EPOLL_CTL_DEL, s, NULL);
    if (getsockopt(s, SOL_SOCKET, SO_ERROR, &e, &len) != 0) e = errno;
    if (e) last_error = e;
    return e == 0;
}

static const char* last_error_name(void) { return last_error ? strerror(last_error) : "none"; }

/* Opens connections until `want` are alive, re-opening those the server
   resets after the handshake (shuntd refuses what its accept queue cannot
   take with a reset, where Linux drops the ACK and the client retransmits). */
static int hold(struct sockaddr_in sin, long want, double secs) {
    int ep = epoll_create1(0);
    if (ep < 0) die("epoll_create1");
    int* alive = calloc((size_t)want, sizeof *alive);
    struct pollfd* pf = calloc((size_t)want, sizeof *pf);
    if (!alive || !pf) die("calloc");
    long nalive = 0, resets = 0, refused = 0, inflight = 0;
    const double t0 = now_s();
    struct epoll_event evs[256];
    for (;;) {
        /* Open what is missing, at most 512 connects in flight. */
        while ((nalive < want || inflight) && now_s() - t0 < secs) {
            while (inflight < 512 && nalive + inflight < want) {
                if (start_connect(ep, &sin) < 0) {
                    ++refused;
                    break;
                }
                ++inflight;
            }
            int n = epoll_wait(ep, evs, 256, 100);
            for (int i = 0; i < n; ++i) {
                --inflight;
                if (connected_ok(ep, evs[i].data.fd)) {
                    alive[nalive++] = evs[i].data.fd;
                } else {
                    ++refused;
                    close(evs[i].data.fd);
                }
            }
        }
        /* Let resets arrive, then drop the connections that got one. */
        usleep(500000);
        for (long i = 0; i < nalive; ++i) pf[i] = (struct pollfd){.fd = alive[i], .events = POLLIN | POLLRDHUP};
        if (poll(pf, (nfds_t)nalive, 0) < 0) die("poll");
        long kept = 0;
        for (long i = 0; i < nalive; ++i) {
            if (pf[i].revents & (POLLERR | POLLHUP | POLLRDHUP)) {
                close(alive[i]);
                ++resets;
            } else {
                alive[kept++] = alive[i];
            }
        }
        const int dropped = kept < nalive;
        nalive = kept;
        if ((nalive == want && !dropped) || now_s() - t0 >= secs) break;
    }
    printf("connected %ld failed %ld resets %ld refused %ld seconds %.3f last_error %s\n", nalive, want - nalive, resets,
           refused, now_s() - t0, last_error_name());
    fflush(stdout);
    const double left = secs - (now_s() - t0);
    if (left > 0) sleep((unsigned)left + 1);
    return 0;
}

static int rate(struct sockaddr_in sin, double secs, int conc) {
    int ep = epoll_create1(0);
    if (ep < 0) die("epoll_create1");
    long ok = 0, failed = 0, inflight = 0;
    struct epoll_event evs[256];
    char b;
    const double t0 = now_s();
    double t = t0;
    while (t - t0 < secs) {
        while (inflight < conc) {
            if (start_connect(ep, &sin) < 0) {
                ++failed;
                if (failed > 1000 && ok == 0) die("connect");
                break;
            }
            ++inflight;
        }
        int n = epoll_wait(ep, evs, 256, 100);
        for (int i = 0; i < n; ++i) {
            const int fd = evs[i].data.fd;
            if (evs[i].events & EPOLLOUT) {
                /* Connected (or not): now wait for the server's greeting. */
                struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
                if (connected_ok(ep, fd) && epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0) continue;
            } else {
                const ssize_t r = read(fd, &b, 1);
                if (r == 1) {
                    ++ok;
                    --inflight;
                    close(fd);
                    continue;
                }
                last_error = r < 0 ? errno : ECONNRESET;  /* EOF before the greeting: as a reset */
            }
            ++failed;
            --inflight;
            close(fd);
        }
        t = now_s();
    }
    printf("cps %.1f connections %ld failed %ld last_error %s\n", (double)ok / (t - t0), ok, failed, last_error_name());
    return 0;
}

int main(int argc, char** argv) {
    signal(SIGPIPE, SIG_IGN);
    if ((argc == 4 || argc == 5) && strcmp(argv[1], "server") == 0)
        server(address(argv[2], argv[3]), argc == 5 && strcmp(argv[4], "greet") == 0);
    if (argc == 6 && strcmp(argv[1], "hold") == 0)
        return hold(address(argv[2], argv[3]), atol(argv[4]), atof(argv[5]));
    if (argc == 6 && strcmp(argv[1], "rate") == 0)
        return rate(address(argv[2], argv[3]), atof(argv[4]), atoi(argv[5]));
    fprintf(stderr,
            "usage: conn_bench server ADDR PORT [greet]\n"
            "       conn_bench hold ADDR PORT N SECONDS\n"
            "       conn_bench rate ADDR PORT SECONDS CONCURRENCY\n");
    return 2;
}
