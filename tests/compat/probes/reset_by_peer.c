/* The peer resets the connection (SO_LINGER 0): poll reports the error,
   recv fails with ECONNRESET once and then reads EOF; send then fails with
   EPIPE and, without MSG_NOSIGNAL, raises SIGPIPE. Args: PEER */
#include "probe.h"

static volatile int sigpipes;
static void on_pipe(int sig) { (void)sig; ++sigpipes; }

int main(int argc, char** argv) {
    need_args(argc, 2, "reset_by_peer PEER");
    signal(SIGPIPE, on_pipe);
    int fd = probe_connect(argv[1], 9002);
    struct pollfd p = {fd, POLLIN, 0};
    poll(&p, 1, 5000);
    usleep(100000);
    p.revents = 0;
    poll(&p, 1, 0);
    printf("poll: %s\n", revents_text(p.revents));
    char buf[16];
    SHOW("recv", recv(fd, buf, sizeof buf, 0));
    SHOW("recv again", recv(fd, buf, sizeof buf, 0));
    SHOW("send MSG_NOSIGNAL", send(fd, "x", 1, MSG_NOSIGNAL));
    printf("SIGPIPE so far: %d\n", sigpipes);
    SHOW("send", send(fd, "x", 1, 0));
    printf("SIGPIPE: %d\n", sigpipes);
    close(fd);
    return 0;
}
