/* The peer vanishes under an idle connection (its link goes down): with
   SO_KEEPALIVE, TCP_KEEPIDLE 1 s, TCP_KEEPINTVL 1 s and TCP_KEEPCNT 2, the
   blocked recv fails with ETIMEDOUT once the probes go unanswered; then the
   socket reads EOF and sends fail with EPIPE. The probe waits for the peer
   to come back (its link is down 6 s) before it exits. The peer's 9010
   takes the link down after one byte. Args: PEER */
#include "probe.h"

int main(int argc, char** argv) {
    need_args(argc, 2, "etimedout PEER");
    int s = probe_connect(argv[1], 9010);
    int one = 1, idle = 1, intvl = 1, cnt = 2;
    SHOW("SO_KEEPALIVE", setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one));
    SHOW("TCP_KEEPIDLE", setsockopt(s, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle));
    SHOW("TCP_KEEPINTVL", setsockopt(s, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl));
    SHOW("TCP_KEEPCNT", setsockopt(s, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt));
    SHOW("send the byte that silences the peer", send(s, "v", 1, 0));
    char buf[16];
    SHOW("recv while the peer is gone", recv(s, buf, sizeof buf, 0));
    SHOW("recv again (EOF)", recv(s, buf, sizeof buf, 0));
    SHOW("send after", send(s, "x", 1, MSG_NOSIGNAL));
    close(s);
    /* The peer's link comes back up: wait for it, so what runs next finds it. */
    int back = 0;
    for (int i = 0; i < 30 && !back; ++i) {
        struct sockaddr_in a = probe_addr(argv[1], 9001);
        int t = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        struct pollfd p = {t, POLLOUT, 0};
        int err = -1;
        socklen_t len = sizeof err;
        if (connect(t, (struct sockaddr*)&a, sizeof a) == 0 ||
            (errno == EINPROGRESS && poll(&p, 1, 500) == 1 && getsockopt(t, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
             err == 0))
            back = 1;
        else
            usleep(100000);
        close(t);
    }
    printf("peer back: %s\n", back ? "yes" : "no");
    return 0;
}
