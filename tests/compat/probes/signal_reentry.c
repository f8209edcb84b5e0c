/* A signal handler that writes to the socket its thread is writing to (an
   interval timer every 100 us while the main loop sends 1-byte writes):
   nothing hangs, and every byte either side reports as written comes back
   from the peer's echo. The peer echoes on 9001. Args: PEER */
#include "probe.h"

#include <sys/time.h>

static int sock;
static volatile long handler_sent;

static void on_alarm(int sig) {
    (void)sig;
    int saved = errno;
    if (write(sock, "h", 1) == 1) ++handler_sent;
    errno = saved;
}

int main(int argc, char** argv) {
    need_args(argc, 2, "signal_reentry PEER");
    sock = probe_connect(argv[1], 9001);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 100}, {0, 100}};
    setitimer(ITIMER_REAL, &it, NULL);
    long main_sent = 0, echoed = 0;
    char buf[65536];
    for (int i = 0; i < 30000; ++i) {
        if (write(sock, "m", 1) == 1) ++main_sent;
        if (i % 1000 == 999) {  /* keep the echo flowing back */
            ssize_t r = recv(sock, buf, sizeof buf, MSG_DONTWAIT);
            if (r > 0) echoed += r;
        }
    }
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    shutdown(sock, SHUT_WR);
    for (;;) {
        ssize_t r = recv(sock, buf, sizeof buf, 0);
        if (r <= 0) break;
        echoed += r;
    }
    printf("completed: 1\n");
    printf("handler wrote some: %d\n", handler_sent > 0);
    printf("every byte written came back: %d\n", echoed == main_sent + handler_sent);
    close(sock);
    return 0;
}
