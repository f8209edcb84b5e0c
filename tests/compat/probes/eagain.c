/* Non-blocking reads on an idle connection: EAGAIN from recv on an
   O_NONBLOCK socket, and from MSG_DONTWAIT on a blocking one; a poll that
   times out; then the data that arrives later is read. Args: PEER */
#include "probe.h"

int main(int argc, char** argv) {
    need_args(argc, 2, "eagain PEER");
    int fd = probe_connect(argv[1], 9006);  /* sends 01234, 200 ms later 56789 */
    char buf[64];
    struct pollfd p = {fd, POLLIN, 0};
    poll(&p, 1, 5000);
    ssize_t r = recv(fd, buf, sizeof buf, 0);
    printf("first: %zd %.*s\n", r, (int)(r > 0 ? r : 0), buf);
    SHOW("recv MSG_DONTWAIT", recv(fd, buf, sizeof buf, MSG_DONTWAIT));
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    printf("O_NONBLOCK set: %d\n", (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
    SHOW("recv nonblocking", recv(fd, buf, sizeof buf, 0));
    SHOW("read nonblocking", read(fd, buf, sizeof buf));
    printf("poll 0 ms: %d\n", poll(&p, 1, 0));
    p.revents = 0;
    int n = poll(&p, 1, 2000);
    printf("poll 2 s: %d %s\n", n, revents_text(p.revents));
    r = recv(fd, buf, sizeof buf, 0);
    printf("second: %zd %.*s\n", r, (int)(r > 0 ? r : 0), buf);
    close(fd);
    return 0;
}
