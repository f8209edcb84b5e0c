/* UDP: implicit bind on the first sendto, recvfrom's source, FIONREAD,
   MSG_PEEK, MSG_TRUNC (flag and msg_flags), EAGAIN, EDESTADDRREQ, EMSGSIZE,
   connect/getpeername/dissolve, read/write, sendmmsg/recvmmsg, a datagram
   larger than the MTU, option values, listen/accept refused, shutdown of an
   unconnected socket. The peer echoes datagrams on 9001/udp. Args: PEER */
#include "probe.h"

#include <sys/uio.h>

static struct sockaddr_in echo_addr;

/* Waits up to 2 s for a datagram; prints the poll result. */
static void await(int fd, const char* label) {
    struct pollfd p = {fd, POLLIN, 0};
    int n = poll(&p, 1, 2000);
    printf("%s poll: %d %s\n", label, n, revents_text(p.revents));
}

static void roundtrip(int fd, const char* msg) {
    sendto(fd, msg, strlen(msg), 0, (struct sockaddr*)&echo_addr, sizeof echo_addr);
    await(fd, msg);
}

int main(int argc, char** argv) {
    need_args(argc, 2, "udp PEER");
    echo_addr = probe_addr(argv[1], 9001);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in me;
    socklen_t len = sizeof me;
    getsockname(fd, (struct sockaddr*)&me, &len);
    printf("port before sendto: %d\n", ntohs(me.sin_port));

    roundtrip(fd, "hello");
    len = sizeof me;
    getsockname(fd, (struct sockaddr*)&me, &len);
    printf("bound by sendto: %d\n", me.sin_port != 0);
    int avail = -1;
    ioctl(fd, FIONREAD, &avail);
    printf("FIONREAD: %d\n", avail);
    char buf[70000];
    struct sockaddr_in from;
    socklen_t flen = sizeof from;
    ssize_t r = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr*)&from, &flen);
    printf("recvfrom: %zd %.*s from echo port: %d len %u\n", r, (int)(r > 0 ? r : 0), buf,
           ntohs(from.sin_port) == 9001 && from.sin_addr.s_addr == echo_addr.sin_addr.s_addr, (unsigned)flen);
    SHOW("recv empty MSG_DONTWAIT", recv(fd, buf, sizeof buf, MSG_DONTWAIT));

    roundtrip(fd, "peekaboo");
    r = recv(fd, buf, 4, MSG_PEEK);
    printf("peek: %zd %.*s\n", r, (int)(r > 0 ? r : 0), buf);
    r = recv(fd, buf, 3, MSG_TRUNC);
    printf("MSG_TRUNC: %zd %.3s\n", r, buf);
    roundtrip(fd, "truncated");
    struct iovec iov = {buf, 5};
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_name = &from;
    m.msg_namelen = sizeof from;
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    r = recvmsg(fd, &m, 0);
    printf("recvmsg: %zd %.5s MSG_TRUNC %d namelen %u\n", r, buf, (m.msg_flags & MSG_TRUNC) != 0,
           (unsigned)m.msg_namelen);

    SHOW("send unconnected", send(fd, "x", 1, 0));
    SHOW("getpeername unconnected", getpeername(fd, (struct sockaddr*)&from, &flen));
    SHOW("sendto 65508 bytes", sendto(fd, buf, 65508, 0, (struct sockaddr*)&echo_addr, sizeof echo_addr));
    SHOW("sendto port 0", ({ struct sockaddr_in z = echo_addr; z.sin_port = 0;
                             sendto(fd, "x", 1, 0, (struct sockaddr*)&z, sizeof z); }));
    SHOW("listen", listen(fd, 4));
    SHOW("accept", accept(fd, NULL, NULL));
    int v = -1;
    len = sizeof v;
    getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len);
    printf("SO_TYPE dgram: %d\n", v == SOCK_DGRAM);
    len = sizeof v;
    getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &len);
    printf("SO_PROTOCOL udp: %d\n", v == IPPROTO_UDP);
    len = sizeof v;
    SHOW("getsockopt TCP_NODELAY", getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &len));
    int one = 1;
    SHOW("SO_BROADCAST on", setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one));
    len = sizeof v;
    getsockopt(fd, SOL_SOCKET, SO_BROADCAST, &v, &len);
    printf("SO_BROADCAST: %d\n", v);

    /* A datagram larger than the lab's MTU: fragmented both ways. */
    for (int i = 0; i < 60000; ++i) buf[i] = (char)(i * 7);
    sendto(fd, buf, 60000, 0, (struct sockaddr*)&echo_addr, sizeof echo_addr);
    await(fd, "60000 bytes");
    char big[60001];
    r = recv(fd, big, sizeof big, 0);
    printf("60000 echoed: %zd same %d\n", r, r == 60000 && memcmp(big, buf, 60000) == 0);

    SHOW("connect", connect(fd, (struct sockaddr*)&echo_addr, sizeof echo_addr));
    flen = sizeof from;
    getpeername(fd, (struct sockaddr*)&from, &flen);
    printf("peer port: %d\n", ntohs(from.sin_port));
    len = sizeof me;
    getsockname(fd, (struct sockaddr*)&me, &len);
    printf("local address set: %d\n", me.sin_addr.s_addr != 0);
    printf("write: %zd\n", write(fd, "written", 7));
    await(fd, "connected");
    r = read(fd, buf, sizeof buf);
    printf("read: %zd %.*s\n", r, (int)(r > 0 ? r : 0), buf);

    struct mmsghdr mm[8];
    struct iovec iovs[8];
    char bufs[8][64];
    const char* words[3] = {"one", "two", "three"};
    memset(mm, 0, sizeof mm);
    for (int i = 0; i < 3; ++i) {
        iovs[i].iov_base = (void*)words[i];
        iovs[i].iov_len = strlen(words[i]);
        mm[i].msg_hdr.msg_iov = &iovs[i];
        mm[i].msg_hdr.msg_iovlen = 1;
    }
    printf("sendmmsg: %d\n", sendmmsg(fd, mm, 3, 0));
    await(fd, "mmsg");
    usleep(300000);
    memset(mm, 0, sizeof mm);
    for (int i = 0; i < 8; ++i) {
        iovs[i].iov_base = bufs[i];
        iovs[i].iov_len = sizeof bufs[i];
        mm[i].msg_hdr.msg_iov = &iovs[i];
        mm[i].msg_hdr.msg_iovlen = 1;
    }
    int n = recvmmsg(fd, mm, 8, MSG_WAITFORONE, NULL);
    printf("recvmmsg: %d", n);
    for (int i = 0; i < n; ++i) printf(" %.*s", (int)mm[i].msg_len, bufs[i]);
    printf("\n");

    struct sockaddr unspec;
    memset(&unspec, 0, sizeof unspec);
    unspec.sa_family = AF_UNSPEC;
    SHOW("connect AF_UNSPEC", connect(fd, &unspec, sizeof unspec));
    SHOW("getpeername dissolved", getpeername(fd, (struct sockaddr*)&from, &flen));
    SHOW("send dissolved", send(fd, "x", 1, 0));

    SHOW("shutdown SHUT_RD unconnected", shutdown(fd, SHUT_RD));
    struct pollfd p = {fd, POLLIN | POLLOUT | POLLRDHUP, 0};
    poll(&p, 1, 0);
    printf("poll after SHUT_RD: %s\n", revents_text(p.revents));
    r = recv(fd, buf, sizeof buf, 0);
    printf("recv after SHUT_RD: %zd\n", r);
    close(fd);
    return 0;
}
