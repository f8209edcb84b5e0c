/* shutdown(SHUT_WR): the peer sees EOF after our bytes and its reply still
   reaches us; then we see EOF (recv 0, poll IN|RDHUP). Args: PEER */
#include "probe.h"

int main(int argc, char** argv) {
    need_args(argc, 2, "half_close PEER");
    int fd = probe_connect(argv[1], 9004);  /* counts bytes until EOF, replies */
    char data[100000];
    memset(data, 'x', sizeof data);
    size_t off = 0;
    while (off < sizeof data) {
        ssize_t w = send(fd, data + off, sizeof data - off, 0);
        if (w <= 0) break;
        off += (size_t)w;
    }
    printf("sent: %zu\n", off);
    SHOW("shutdown SHUT_WR", shutdown(fd, SHUT_WR));
    SHOW("send after SHUT_WR", send(fd, "x", 1, MSG_NOSIGNAL));
    char buf[64];
    ssize_t r = recv(fd, buf, sizeof buf, MSG_WAITALL);
    printf("reply: %zd %.*s", r, (int)(r > 0 ? r : 0), buf);
    struct pollfd p = {fd, POLLIN | POLLRDHUP, 0};
    poll(&p, 1, 2000);
    printf("poll: %s\n", revents_text(p.revents));
    printf("recv at EOF: %zd\n", recv(fd, buf, sizeof buf, 0));
    close(fd);
    return 0;
}
