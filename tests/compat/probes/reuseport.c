/* SO_REUSEPORT: two TCP listeners share one port and the peer's
   connections spread over both; two UDP sockets share the same port number
   and the peer's datagrams (each from a port of its own) spread over both;
   a socket without the option cannot bind the port, one with it can; the
   option reads back. Prints "listening" once ready (for the runner, whose
   peer then makes N connections and sends N datagrams). Args: SELF PORT N */
#include "probe.h"

static int reuse_socket_of(int type) {
    int s = socket(AF_INET, type, 0), one = 1;
    if (setsockopt(s, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) printf("setsockopt: %s\n", errname(errno));
    return s;
}

static int reuse_socket(void) { return reuse_socket_of(SOCK_STREAM); }

int main(int argc, char** argv) {
    need_args(argc, 4, "reuseport SELF PORT N");
    struct sockaddr_in a = probe_addr(argv[1], atoi(argv[2]));
    const int want = atoi(argv[3]);
    int l[2];
    for (int i = 0; i < 2; ++i) {
        l[i] = reuse_socket();
        SHOW(i ? "second listener bind" : "first listener bind", bind(l[i], (struct sockaddr*)&a, sizeof a));
    }
    int v = 0;
    socklen_t len = sizeof v;
    getsockopt(l[1], SOL_SOCKET, SO_REUSEPORT, &v, &len);
    printf("SO_REUSEPORT reads back: %d\n", v);
    SHOW("first listen", listen(l[0], 64));
    SHOW("second listen", listen(l[1], 64));
    int plain = socket(AF_INET, SOCK_STREAM, 0);
    SHOW("bind without SO_REUSEPORT", bind(plain, (struct sockaddr*)&a, sizeof a));
    close(plain);
    int third = reuse_socket();
    SHOW("third bind with SO_REUSEPORT", bind(third, (struct sockaddr*)&a, sizeof a));
    close(third);
    int u[2];
    for (int i = 0; i < 2; ++i) {
        u[i] = reuse_socket_of(SOCK_DGRAM);
        SHOW(i ? "second UDP bind" : "first UDP bind", bind(u[i], (struct sockaddr*)&a, sizeof a));
    }
    int uplain = socket(AF_INET, SOCK_DGRAM, 0);
    SHOW("UDP bind without SO_REUSEPORT", bind(uplain, (struct sockaddr*)&a, sizeof a));
    close(uplain);
    printf("listening\n");
    fflush(stdout);
    int got[2] = {0, 0};
    for (int rounds = 0; got[0] + got[1] < want && rounds < 200; ++rounds) {
        struct pollfd p[2] = {{l[0], POLLIN, 0}, {l[1], POLLIN, 0}};
        if (poll(p, 2, 100) <= 0) continue;
        for (int i = 0; i < 2; ++i) {
            if (!(p[i].revents & POLLIN)) continue;
            int c = accept(l[i], NULL, NULL);
            if (c >= 0) {
                ++got[i];
                close(c);
            }
        }
    }
    printf("accepted: %d\n", got[0] + got[1]);
    printf("both listeners got some: %s\n", got[0] > 0 && got[1] > 0 ? "yes" : "no");
    int dg[2] = {0, 0};
    for (int rounds = 0; dg[0] + dg[1] < want && rounds < 200; ++rounds) {
        struct pollfd p[2] = {{u[0], POLLIN, 0}, {u[1], POLLIN, 0}};
        if (poll(p, 2, 100) <= 0) continue;
        for (int i = 0; i < 2; ++i) {
            char b[64];
            if ((p[i].revents & POLLIN) && recv(u[i], b, sizeof b, MSG_DONTWAIT) >= 0) ++dg[i];
        }
    }
    printf("datagrams: %d\n", dg[0] + dg[1]);
    printf("both UDP sockets got some: %s\n", dg[0] > 0 && dg[1] > 0 ? "yes" : "no");
    close(u[0]);
    close(u[1]);
    close(l[0]);
    close(l[1]);
    return 0;
}
