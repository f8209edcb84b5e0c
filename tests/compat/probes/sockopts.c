/* Socket options on a connected socket read back as the kernel reports
   them. Args: PEER */
#include "probe.h"

static void get_int(int fd, int level, int name, const char* label) {
    int v = -1;
    socklen_t len = sizeof v;
    errno = 0;
    int r = getsockopt(fd, level, name, &v, &len);
    if (r < 0) printf("%s: -1 %s\n", label, errname(errno));
    else printf("%s: %d\n", label, v);
}

int main(int argc, char** argv) {
    need_args(argc, 2, "sockopts PEER");
    int fd = probe_connect(argv[1], 9001);
    int one = 1, idle = 30, intvl = 5, cnt = 4, buf = 65536;
    get_int(fd, IPPROTO_TCP, TCP_NODELAY, "TCP_NODELAY default");
    SHOW("set TCP_NODELAY", setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one));
    get_int(fd, IPPROTO_TCP, TCP_NODELAY, "TCP_NODELAY");
    get_int(fd, SOL_SOCKET, SO_REUSEADDR, "SO_REUSEADDR default");
    SHOW("set SO_REUSEADDR", setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
    get_int(fd, SOL_SOCKET, SO_REUSEADDR, "SO_REUSEADDR");
    SHOW("set SO_KEEPALIVE", setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one));
    get_int(fd, SOL_SOCKET, SO_KEEPALIVE, "SO_KEEPALIVE");
    SHOW("set TCP_KEEPIDLE", setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle));
    SHOW("set TCP_KEEPINTVL", setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl));
    SHOW("set TCP_KEEPCNT", setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt));
    get_int(fd, IPPROTO_TCP, TCP_KEEPIDLE, "TCP_KEEPIDLE");
    get_int(fd, IPPROTO_TCP, TCP_KEEPINTVL, "TCP_KEEPINTVL");
    get_int(fd, IPPROTO_TCP, TCP_KEEPCNT, "TCP_KEEPCNT");
    int zero = 0;
    SHOW("set TCP_KEEPIDLE 0", setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &zero, sizeof zero));
    SHOW("set SO_RCVBUF", setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf));
    get_int(fd, SOL_SOCKET, SO_RCVBUF, "SO_RCVBUF");
    SHOW("set SO_SNDBUF", setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf));
    get_int(fd, SOL_SOCKET, SO_SNDBUF, "SO_SNDBUF");
    get_int(fd, SOL_SOCKET, SO_TYPE, "SO_TYPE");
    get_int(fd, SOL_SOCKET, SO_DOMAIN, "SO_DOMAIN");
    get_int(fd, SOL_SOCKET, SO_PROTOCOL, "SO_PROTOCOL");
    get_int(fd, SOL_SOCKET, SO_ACCEPTCONN, "SO_ACCEPTCONN");
    get_int(fd, SOL_SOCKET, SO_ERROR, "SO_ERROR");
    struct timeval tv = {1, 500000}, tg = {0, 0};
    SHOW("set SO_RCVTIMEO", setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    socklen_t len = sizeof tg;
    getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tg, &len);
    printf("SO_RCVTIMEO: %ld.%06ld\n", (long)tg.tv_sec, (long)tg.tv_usec);

    /* TCP_INFO: what both stacks agree on (lwIP sends no timestamps, and its
       RTT has 500 ms ticks, so options and times are not compared). */
    struct tcp_info ti;
    memset(&ti, 0xff, sizeof ti);
    len = sizeof ti;
    SHOW("TCP_INFO", getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len));
    printf("TCP_INFO len %d state ESTABLISHED %d mss sane %d cwnd > 0 %d unacked 0 %d SACK %d\n",
           len == sizeof ti, ti.tcpi_state == 1, ti.tcpi_snd_mss >= 536 && ti.tcpi_snd_mss <= 1460,
           ti.tcpi_snd_cwnd > 0, ti.tcpi_unacked == 0, (ti.tcpi_options & 2) != 0);
    len = 8;
    SHOW("TCP_INFO 8 bytes", getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len));
    printf("TCP_INFO short len %d\n", (int)len);
    close(fd);
    return 0;
}
