/* MSG_PEEK leaves bytes in place; MSG_WAITALL waits for the whole buffer
   (the peer sends it in two parts); FIONREAD counts what is queued.
   Args: PEER */
#include "probe.h"

int main(int argc, char** argv) {
    need_args(argc, 2, "peek_waitall PEER");
    int fd = probe_connect(argv[1], 9006);  /* 01234, then 56789 */
    char buf[16] = {0};
    ssize_t r = recv(fd, buf, 10, MSG_WAITALL);
    printf("waitall: %zd %.*s\n", r, (int)(r > 0 ? r : 0), buf);
    close(fd);
    fd = probe_connect(argv[1], 9005);  /* hello\n */
    struct pollfd p = {fd, POLLIN, 0};
    poll(&p, 1, 5000);
    usleep(100000);
    int q = -1;
    ioctl(fd, FIONREAD, &q);
    printf("FIONREAD: %d\n", q);
    r = recv(fd, buf, 3, MSG_PEEK);
    printf("peek: %zd %.*s\n", r, (int)(r > 0 ? r : 0), buf);
    r = recv(fd, buf, sizeof buf, MSG_PEEK);
    printf("peek all: %zd\n", r);
    r = recv(fd, buf, sizeof buf, 0);
    printf("read: %zd %.*s", r, (int)(r > 0 ? r : 0), buf);
    ioctl(fd, FIONREAD, &q);
    printf("FIONREAD after: %d\n", q);
    close(fd);
    return 0;
}
