/* syscall_mix ITERATIONS: a syscall-heavy loop on descriptors shunt never
   accelerates, for the interposer-overhead figure of ./dev bench.

   Each iteration: pwrite + pread of 4 KiB on a temporary file, write + read
   of 64 bytes through a pipe, send + recv through an AF_UNIX socketpair,
   send + recv over a kernel TCP connection on 127.0.0.1 (kernel: libshunt
   serves 127.0.0.1 only with SHUNT_LOOPBACK=1), poll() over the pipe and the
   TCP socket, and fstat() of the file. Run with and without
   LD_PRELOAD=libshunt.so; under callgrind, `--toggle-collect=run_loop`
   counts the loop's instructions alone (start-up apart).

   Prints one JSON object: {"iterations":N,"seconds":S,"ns_per_iteration":X}
   with S the wall time of the loop alone (CLOCK_MONOTONIC). Exit 1 when a
   call fails (the figure is then reported as an error). */
#define _GNU_SOURCE 1

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct fds {
    int file, pipe_r, pipe_w, unix_a, unix_b, tcp_a, tcp_b;
};

static void die(const char* what) {
    fprintf(stderr, "syscall_mix: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void tcp_pair(int* a, int* b) {
    struct sockaddr_in sin;
    socklen_t len = sizeof sin;
    const int one = 1;
    int l = socket(AF_INET, SOCK_STREAM, 0);
    if (l < 0) die("socket");
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(l, (struct sockaddr*)&sin, sizeof sin) != 0 || listen(l, 1) != 0) die("bind/listen");
    if (getsockname(l, (struct sockaddr*)&sin, &len) != 0) die("getsockname");
    *a = socket(AF_INET, SOCK_STREAM, 0);
    if (*a < 0 || connect(*a, (struct sockaddr*)&sin, sizeof sin) != 0) die("connect");
    *b = accept(l, NULL, NULL);
    if (*b < 0) die("accept");
    close(l);
    setsockopt(*a, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(*b, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static void setup(struct fds* f) {
    char path[] = "/tmp/shunt-syscall-mix.XXXXXX";
    int p[2], u[2];
    f->file = mkstemp(path);
    if (f->file < 0) die("mkstemp");
    unlink(path);
    if (pipe(p) != 0) die("pipe");
    f->pipe_r = p[0];
    f->pipe_w = p[1];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, u) != 0) die("socketpair");
    f->unix_a = u[0];
    f->unix_b = u[1];
    tcp_pair(&f->tcp_a, &f->tcp_b);
}

static void exact(long got, long want, const char* what) {
    if (got != want) {
        if (got >= 0) errno = EIO;
        die(what);
    }
}

/* Not inlined: callgrind's --toggle-collect names it. */
__attribute__((noinline)) void run_loop(const struct fds* f, long iterations) {
    static char block[4096], back[4096], msg[64], got[64];
    struct pollfd pf[2];
    struct stat st;
    for (long i = 0; i < iterations; ++i) {
        block[i & 4095] = (char)i;
        exact(pwrite(f->file, block, sizeof block, 0), sizeof block, "pwrite");
        exact(pread(f->file, back, sizeof back, 0), sizeof back, "pread");
        exact(fstat(f->file, &st), 0, "fstat");
        exact(write(f->pipe_w, msg, sizeof msg), sizeof msg, "pipe write");
        pf[0].fd = f->pipe_r;
        pf[0].events = POLLIN;
        pf[1].fd = f->tcp_b;
        pf[1].events = POLLIN;
        exact(poll(pf, 2, 0), 1, "poll");
        exact(read(f->pipe_r, got, sizeof got), sizeof got, "pipe read");
        exact(send(f->unix_a, msg, sizeof msg, 0), sizeof msg, "unix send");
        exact(recv(f->unix_b, got, sizeof got, 0), sizeof got, "unix recv");
        exact(send(f->tcp_a, msg, sizeof msg, 0), sizeof msg, "tcp send");
        exact(recv(f->tcp_b, got, sizeof got, MSG_WAITALL), sizeof got, "tcp recv");
    }
}

int main(int argc, char** argv) {
    struct fds f;
    struct timespec t0, t1;
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 100000;
    if (n <= 0) {
        fprintf(stderr, "usage: syscall_mix ITERATIONS\n");
        return 2;
    }
    setup(&f);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    run_loop(&f, n);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    const double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("{\"iterations\":%ld,\"seconds\":%.6f,\"ns_per_iteration\":%.1f}\n", n, s, s * 1e9 / (double)n);
    return 0;
}
