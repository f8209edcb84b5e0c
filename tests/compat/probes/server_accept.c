/* A server: bind, a second bind of the same port fails with EADDRINUSE,
   listen, getsockname, accept4 with SOCK_NONBLOCK|SOCK_CLOEXEC, echo one
   message from the peer's client. Prints "listening" first (for the runner).
   Args: SELF PORT */
#include "probe.h"

int main(int argc, char** argv) {
    need_args(argc, 3, "server_accept SELF PORT");
    struct sockaddr_in a = probe_addr(argv[1], atoi(argv[2]));
    int l = socket(AF_INET, SOCK_STREAM, 0);
    SHOW("bind", bind(l, (struct sockaddr*)&a, sizeof a));
    int l2 = socket(AF_INET, SOCK_STREAM, 0);
    SHOW("listen", listen(l, 8));
    SHOW("second bind", bind(l2, (struct sockaddr*)&a, sizeof a));
    close(l2);
    struct sockaddr_in me;
    socklen_t len = sizeof me;
    getsockname(l, (struct sockaddr*)&me, &len);
    printf("bound port: %d\n", ntohs(me.sin_port) == atoi(argv[2]));
    int v = 0;
    len = sizeof v;
    getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &len);
    printf("SO_ACCEPTCONN: %d\n", v);
    printf("listening\n");
    fflush(stdout);
    struct sockaddr_in peer;
    len = sizeof peer;
    int c = accept4(l, (struct sockaddr*)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    printf("accept4: %d family %d\n", c >= 0, peer.sin_family);
    printf("O_NONBLOCK: %d FD_CLOEXEC: %d\n", (fcntl(c, F_GETFL) & O_NONBLOCK) != 0,
           (fcntl(c, F_GETFD) & FD_CLOEXEC) != 0);
    struct pollfd p = {c, POLLIN, 0};
    poll(&p, 1, 5000);
    char buf[64];
    ssize_t r = recv(c, buf, sizeof buf, 0);
    printf("got: %.*s\n", (int)(r > 0 ? r : 0), buf);
    send(c, buf, r > 0 ? (size_t)r : 0, 0);
    close(c);
    close(l);
    return 0;
}
