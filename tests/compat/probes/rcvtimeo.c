/* SO_RCVTIMEO and SO_SNDTIMEO bound blocking calls: recv on an idle
   connection fails with EAGAIN after the timeout. Args: PEER */
#include "probe.h"
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char** argv) {
    need_args(argc, 2, "rcvtimeo PEER");
    int fd = probe_connect(argv[1], 9003);  /* never sends */
    struct timeval tv = {0, 300000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[8];
    double t0 = now();
    SHOW("recv", recv(fd, buf, sizeof buf, 0));
    double dt = now() - t0;
    printf("waited about the timeout: %d\n", dt > 0.25 && dt < 2.0);
    close(fd);
    return 0;
}
