/* splice(2) between a pipe and a connected socket, both ways, byte-exact;
   an idle O_NONBLOCK socket and an empty pipe with SPLICE_F_NONBLOCK
   (EAGAIN); an offset on the socket end (EINVAL);
   two sockets (EINVAL). The peer echoes on 9001. Args: PEER */
#include "probe.h"

int main(int argc, char** argv) {
    need_args(argc, 2, "splice PEER");
    int s = probe_connect(argv[1], 9001);
    int to_sock[2], from_sock[2];
    if (pipe(to_sock) != 0 || pipe(from_sock) != 0) return 2;
    char big[100000];
    for (size_t i = 0; i < sizeof big; ++i) big[i] = (char)(i * 13 + 1);
    /* pipe -> socket -> echo -> socket -> pipe, in pipe-sized steps. */
    size_t sent = 0, got = 0;
    char back[sizeof big];
    while (sent < sizeof big) {
        ssize_t w = write(to_sock[1], big + sent, sizeof big - sent > 32768 ? 32768 : sizeof big - sent);
        if (w <= 0) return 2;
        ssize_t total = 0, n = 0;
        while (total < w && (n = splice(to_sock[0], NULL, s, NULL, (size_t)(w - total), 0)) > 0) total += n;
        if (n < 0) { printf("splice to socket: -1 %s\n", errname(errno)); return 1; }
        sent += (size_t)w;
        while (got < sent) {  /* the echo of this step */
            n = splice(s, NULL, from_sock[1], NULL, sent - got, 0);
            if (n <= 0) { printf("splice from socket: %zd %s\n", n, errname(errno)); return 1; }
            ssize_t r = read(from_sock[0], back + got, (size_t)n);
            if (r != n) { printf("pipe read %zd of %zd\n", r, n); return 1; }
            got += (size_t)n;
        }
    }
    printf("spliced %zu bytes there and %zu back, same %d\n", sent, got, memcmp(big, back, sizeof big) == 0);
    /* SPLICE_F_NONBLOCK is about the pipe; the socket's own O_NONBLOCK decides its side. */
    fcntl(s, F_SETFL, O_NONBLOCK);
    SHOW("splice idle O_NONBLOCK socket", splice(s, NULL, from_sock[1], NULL, 100, 0));
    fcntl(s, F_SETFL, 0);
    SHOW("splice from an empty pipe, SPLICE_F_NONBLOCK", splice(to_sock[0], NULL, s, NULL, 100, SPLICE_F_NONBLOCK));
    loff_t off = 0;
    SHOW("splice with a socket offset", splice(s, &off, from_sock[1], NULL, 100, 0));
    int s2 = probe_connect(argv[1], 9001);
    SHOW("splice socket to socket", splice(s, NULL, s2, NULL, 100, 0));
    shutdown(s, SHUT_WR);
    ssize_t n = splice(s, NULL, from_sock[1], NULL, 100, 0);
    printf("splice at EOF: %zd\n", n);
    close(s2);
    close(s);
    return 0;
}
