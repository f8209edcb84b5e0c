/* Connecting to a port nobody listens on: blocking connect fails with
   ECONNREFUSED; a non-blocking one becomes writable with an error, and
   SO_ERROR reports ECONNREFUSED once. Args: PEER */
#include "probe.h"

int main(int argc, char** argv) {
    need_args(argc, 2, "connect_refused PEER");
    struct sockaddr_in a = probe_addr(argv[1], 9099);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    SHOW("blocking connect", connect(fd, (struct sockaddr*)&a, sizeof a));
    close(fd);
    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    SHOW("nonblocking connect", connect(fd, (struct sockaddr*)&a, sizeof a));
    struct pollfd p = {fd, POLLOUT, 0};
    int n = poll(&p, 1, 5000);
    printf("poll: %d %s\n", n, revents_text(p.revents));
    int err = -1;
    socklen_t len = sizeof err;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    printf("SO_ERROR: %s\n", errname(err));
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    printf("SO_ERROR again: %s\n", errname(err));
    close(fd);
    return 0;
}
