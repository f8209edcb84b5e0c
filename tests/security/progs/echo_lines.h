/* What tests/security/io_uring.sh's programs share: the connection to the
   peer's echo server and the lines they print, one fact per line, the same
   on the kernel and through shunt when the bytes came back as sent. */
#ifndef SHUNT_ECHO_LINES_H
#define SHUNT_ECHO_LINES_H

#define _GNU_SOURCE 1

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/io_uring.h>

/* Two messages of 23 bytes each: one for send/recv, one for write/read. */
#define ECHO_LEN 23
static const char k_first[] = "io_uring through shunt!";
static const char k_second[] = "read and write by ring.";
_Static_assert(sizeof k_first - 1 == ECHO_LEN && sizeof k_second - 1 == ECHO_LEN, "23 bytes each");

/* A TCP connection to HOST:PORT (plain libc calls), or exits 1. */
static inline int echo_connect(const char* host, const char* port) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)atoi(port));
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
        fprintf(stderr, "bad address %s\n", host);
        exit(2);
    }
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0 || connect(s, (struct sockaddr*)&a, sizeof a) != 0) {
        printf("connect: %s\n", strerror(errno));
        exit(1);
    }
    printf("connect: ok\n");
    return s;
}

/* "LABEL: N 'BYTES'" with anything but printable ASCII as \xNN: an echo
   that came back wrong shows what came instead. */
static inline void echo_show(const char* label, long n, const char* buf) {
    printf("%s: %ld '", label, n);
    for (long i = 0; i < n; ++i) {
        unsigned char c = (unsigned char)buf[i];
        if (c >= 0x20 && c < 0x7f && c != '\\') putchar(c);
        else printf("\\x%02x", c);
    }
    printf("'\n");
}

/* Whether N bytes in BUF are WANT. */
static inline int echo_same(long n, const char* buf, const char* want) {
    return n == ECHO_LEN && memcmp(buf, want, ECHO_LEN) == 0;
}

/* One operation on a ring (IORING_OP_*, on fd, len bytes at buf), waited
   for at most 5 s: its result, -errno, or -ETIME when nothing completed. */
typedef long (*ring_op_fn)(void* ring, int op, int fd, void* buf, unsigned len);

/* One message through a ring: sent with SEND_OP (IORING_OP_SEND or _WRITE)
   and its echo received with RECV_OP (_RECV or _READ) until ECHO_LEN bytes,
   EOF, an error or a timeout; the lines "SEND_LABEL: N" and "RECV_LABEL:
   N 'BYTES'" (and what ended it short). 1 when the echo came back as sent. */
static inline int echo_through_ring(void* ring, ring_op_fn run, int fd, const char* msg, int send_op, int recv_op,
                                    const char* send_label, const char* recv_label) {
    long r = run(ring, send_op, fd, (void*)msg, ECHO_LEN);
    if (r < 0) {
        printf("%s: %s\n", send_label, r == -ETIME ? "timeout" : strerror((int)-r));
        return 0;
    }
    printf("%s: %ld\n", send_label, r);
    char buf[ECHO_LEN];
    long got = 0;
    while (got < ECHO_LEN) {
        r = run(ring, recv_op, fd, buf + got, (unsigned)(ECHO_LEN - got));
        if (r <= 0) break;
        got += r;
    }
    echo_show(recv_label, got, buf);
    if (r < 0) printf("%s: %s\n", recv_label, r == -ETIME ? "timeout" : strerror((int)-r));
    return echo_same(got, buf, msg);
}

#endif
