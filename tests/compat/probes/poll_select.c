/* poll, ppoll and select over sockets alone and mixed with a pipe (through
   shunt: their user-space fast path, preload/poll_fast.hpp, and the kernel
   path for the mixed sets): what is reported before and after data
   arrives, after partial and whole reads, with negative fds, POLLOUT,
   timeouts of 0. Args: PEER (its port 9001 echoes). */
#include "probe.h"
#include <sys/select.h>


static void show_poll(const char* what, struct pollfd* p, int n, int r) {
    printf("%s: %d", what, r);
    for (int i = 0; i < n; ++i) printf(" [%s]", revents_text(p[i].revents));
    printf("\n");
}

static void show_select(const char* what, int a, int b, int c, fd_set* r, fd_set* w, int n) {
    printf("%s: %d read{%s%s%s} write{%s%s%s}\n", what, n, FD_ISSET(a, r) ? " a" : "", FD_ISSET(b, r) ? " b" : "",
           c >= 0 && FD_ISSET(c, r) ? " pipe" : "", FD_ISSET(a, w) ? " a" : "", FD_ISSET(b, w) ? " b" : "",
           c >= 0 && FD_ISSET(c, w) ? " pipe" : "");
}

int main(int argc, char** argv) {
    need_args(argc, 2, "poll_select PEER");
    int a = probe_connect(argv[1], 9001), b = probe_connect(argv[1], 9001);
    int pp[2];
    pipe(pp);
    char buf[4096];

    struct pollfd p[3] = {{a, POLLIN, 0}, {b, POLLIN | POLLOUT, 0}, {-1, POLLIN, 0}};
    show_poll("idle", p, 3, poll(p, 3, 0));
    send(a, "hello", 5, 0);
    probe_await_bytes(a, 5);
    show_poll("echo on a", p, 3, poll(p, 3, 1000));
    recv(a, buf, 2, 0);
    show_poll("after a partial read", p, 3, poll(p, 3, 0));
    recv(a, buf, sizeof buf, 0);
    show_poll("after reading all", p, 3, poll(p, 3, 0));
    struct timespec zero = {0, 0};
    show_poll("ppoll, no mask", p, 3, ppoll(p, 3, &zero, NULL));

    struct pollfd q[2] = {{a, POLLIN, 0}, {pp[0], POLLIN, 0}};
    write(pp[1], "p", 1);
    show_poll("a and a written pipe", q, 2, poll(q, 2, 1000));
    read(pp[0], buf, sizeof buf);
    show_poll("a and a drained pipe", q, 2, poll(q, 2, 0));

    fd_set r, w;
    struct timeval tv0 = {0, 0};
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_SET(a, &r);
    FD_SET(b, &r);
    FD_SET(b, &w);
    int nfds = (a > b ? a : b) + 1;
    show_select("select idle", a, b, -1, &r, &w, select(nfds, &r, &w, NULL, &tv0));
    send(b, "x", 1, 0);
    probe_await_bytes(b, 1);
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_SET(a, &r);
    FD_SET(b, &r);
    FD_SET(b, &w);
    struct timeval tv1 = {1, 0};
    show_select("select, echo on b", a, b, -1, &r, &w, select(nfds, &r, &w, NULL, &tv1));
    recv(b, buf, sizeof buf, 0);
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_SET(a, &r);
    FD_SET(b, &r);
    tv0.tv_sec = 0, tv0.tv_usec = 0;
    show_select("select after reading b", a, b, -1, &r, &w, select(nfds, &r, &w, NULL, &tv0));
    write(pp[1], "q", 1);
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_SET(a, &r);
    FD_SET(pp[0], &r);
    int m = (a > pp[0] ? a : pp[0]) + 1;
    tv1.tv_sec = 1, tv1.tv_usec = 0;
    show_select("select, a and a written pipe", a, b, pp[0], &r, &w, select(m, &r, &w, NULL, &tv1));
    struct timespec ts = {0, 0};
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_SET(b, &w);
    show_select("pselect, no mask", a, b, -1, &r, &w, pselect(nfds, &r, &w, NULL, &ts, NULL));
    close(a), close(b), close(pp[0]), close(pp[1]);
    return 0;
}
