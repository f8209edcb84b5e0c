/* dup'ed fds share one socket (closing one keeps the other working); a
   forked child uses the socket it inherited and its exit leaves the
   connection open for the parent. Args: PEER */
#include "probe.h"
#include <sys/wait.h>

static void roundtrip(int fd, const char* msg) {
    char buf[32];
    send(fd, msg, strlen(msg), 0);
    ssize_t r = recv(fd, buf, strlen(msg), MSG_WAITALL);
    printf("echo of %s: %zd %.*s\n", msg, r, (int)(r > 0 ? r : 0), buf);
}

int main(int argc, char** argv) {
    need_args(argc, 2, "dup_fork PEER");
    int fd = probe_connect(argv[1], 9001);
    int d = dup(fd);
    printf("dup: %d\n", d > fd);
    SHOW("close original", close(fd));
    roundtrip(d, "dup");
    int hi = fcntl(d, F_DUPFD_CLOEXEC, 100);
    printf("F_DUPFD_CLOEXEC: %d cloexec %d\n", hi >= 100, (fcntl(hi, F_GETFD) & FD_CLOEXEC) != 0);
    roundtrip(hi, "high");
    close(hi);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        roundtrip(d, "child");
        fflush(stdout);
        _exit(0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    printf("child exit: %d\n", WEXITSTATUS(st));
    roundtrip(d, "parent");
    pid = fork();
    if (pid == 0) {
        close(d);  /* the child's close leaves the parent's socket open */
        exit(0);
    }
    waitpid(pid, &st, 0);
    roundtrip(d, "after child close");
    close(d);
    return 0;
}
