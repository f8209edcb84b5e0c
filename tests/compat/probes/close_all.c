/* An app that closes every fd (a close() loop, closefrom, close_range) or
   dup2s over fds it never opened: its sockets close (the peer sees EOF),
   the preload survives, and new connections work after each. Args: PEER */
#define _GNU_SOURCE 1
#include "probe.h"

#include <linux/close_range.h>

static void echo_check(const char* peer, const char* label) {
    int s = probe_connect(peer, 9001);
    char buf[16];
    ssize_t w = send(s, "ping", 4, 0);
    ssize_t r = recv(s, buf, sizeof buf, 0);
    printf("%s: sent %zd got %zd %.*s\n", label, w, r, (int)(r > 0 ? r : 0), buf);
    close(s);
}


int main(int argc, char** argv) {
    need_args(argc, 2, "close_all PEER");
    echo_check(argv[1], "before");

    int w = probe_connect(argv[1], 9007);
    send(w, "abcd", 4, 0);
    for (int fd = 3; fd < 1024; ++fd) close(fd);
    probe_observer_saw(argv[1], "close loop, observer saw");
    echo_check(argv[1], "after close loop");

    w = probe_connect(argv[1], 9007);
    send(w, "abcde", 5, 0);
    closefrom(3);
    probe_observer_saw(argv[1], "closefrom, observer saw");
    echo_check(argv[1], "after closefrom");

    w = probe_connect(argv[1], 9007);
    send(w, "abcdef", 6, 0);
    SHOW("close_range", close_range(3, ~0U, 0));
    probe_observer_saw(argv[1], "close_range, observer saw");
    echo_check(argv[1], "after close_range");

    int null = open("/dev/null", O_RDWR);
    for (int fd = 3; fd < 256; ++fd)
        if (fd != null) dup2(null, fd);
    for (int fd = 3; fd < 256; ++fd) close(fd);
    echo_check(argv[1], "after dup2 over every fd");
    return 0;
}
