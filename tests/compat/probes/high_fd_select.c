/* select() on an accelerated socket moved to a high fd (near FD_SETSIZE),
   and getsockname after an ephemeral bind. Args: PEER */
#include "probe.h"
#include <sys/select.h>

int main(int argc, char** argv) {
    need_args(argc, 2, "high_fd_select PEER");
    int fd = probe_connect(argv[1], 9005);  /* hello\n */
    struct sockaddr_in me;
    socklen_t len = sizeof me;
    getsockname(fd, (struct sockaddr*)&me, &len);
    printf("ephemeral port: %d\n", ntohs(me.sin_port) >= 1024);
    int hi = dup2(fd, FD_SETSIZE - 10);
    close(fd);
    printf("dup2: %d\n", hi == FD_SETSIZE - 10);
    fd_set r;
    FD_ZERO(&r);
    FD_SET(hi, &r);
    struct timeval tv = {5, 0};
    int n = select(hi + 1, &r, NULL, NULL, &tv);
    printf("select: %d %d\n", n, FD_ISSET(hi, &r) != 0);
    char buf[16];
    ssize_t got = read(hi, buf, sizeof buf);
    printf("read: %zd %.*s", got, (int)(got > 0 ? got : 0), buf);
    fd_set w;
    FD_ZERO(&w);
    FD_SET(hi, &w);
    n = select(hi + 1, NULL, &w, NULL, &tv);
    printf("writable: %d\n", n);
    close(hi);
    return 0;
}
