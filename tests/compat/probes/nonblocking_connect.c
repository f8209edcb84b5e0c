/* A non-blocking connect: EINPROGRESS, then writable, SO_ERROR 0, a peer
   name, and the echo of a message. Args: HOST (peer) */
#include "probe.h"

int main(int argc, char** argv) {
    need_args(argc, 2, "nonblocking_connect PEER");
    struct sockaddr_in a = probe_addr(argv[1], 9001);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    SHOW("connect", connect(fd, (struct sockaddr*)&a, sizeof a));
    usleep(200000);  /* established by now, on either path */
    SHOW("connect again", connect(fd, (struct sockaddr*)&a, sizeof a));
    struct pollfd p = {fd, POLLOUT, 0};
    int n = poll(&p, 1, 5000);
    printf("poll: %d %s\n", n, revents_text(p.revents));
    int err = -1;
    socklen_t len = sizeof err;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    printf("SO_ERROR: %s\n", errname(err));
    struct sockaddr_in peer;
    len = sizeof peer;
    SHOW("getpeername", getpeername(fd, (struct sockaddr*)&peer, &len));
    printf("peer port matches: %d\n", ntohs(peer.sin_port) == 9001);
    SHOW("connect when connected", connect(fd, (struct sockaddr*)&a, sizeof a));
    printf("send: %zd\n", send(fd, "ping", 4, 0));
    p.events = POLLIN;
    poll(&p, 1, 5000);
    char buf[16];
    ssize_t r = recv(fd, buf, sizeof buf, 0);
    printf("recv: %zd %.*s\n", r, (int)(r > 0 ? r : 0), buf);
    close(fd);
    return 0;
}
