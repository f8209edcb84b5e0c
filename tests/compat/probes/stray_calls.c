/* Calls on fds the app does not hold, as real programs make them: close(-1)
   (dash closes an unused pipe end that way), fcntl and dup2(fd, fd) swept
   over every fd number (closers and daemonisers probe that way, and they
   meet shunt's own descriptors), a shell pipeline through system(). Each
   gets the kernel's answer and the process carries on; an accelerated
   connection works after them. Args: PEER */
#include "probe.h"

#include <sys/wait.h>

int main(int argc, char** argv) {
    need_args(argc, 2, "stray_calls PEER");
    SHOW("close(-1)", close(-1));
    SHOW("fcntl(-1, F_GETFD)", fcntl(-1, F_GETFD));
    SHOW("dup2(-1, 5)", dup2(-1, 5));
    int s = probe_connect(argv[1], 9001);
    int answered = 0;
    for (int fd = 0; fd < 1024; ++fd) {
        if (fcntl(fd, F_GETFD) >= 0) ++answered;
        (void)dup2(fd, fd);
    }
    printf("fcntl sweep: some fds answered: %s\n", answered >= 4 ? "yes" : "no");
    int st = system("true | cat; echo piped | cat >/dev/null");
    printf("shell pipeline: exited %d status %d\n", WIFEXITED(st), WEXITSTATUS(st));
    char buf[16];
    ssize_t w = send(s, "ping", 4, 0);
    ssize_t r = recv(s, buf, sizeof buf, 0);
    printf("echo after: sent %zd got %zd %.*s\n", w, r, (int)(r > 0 ? r : 0), buf);
    close(s);
    return 0;
}
