/* Accelerated sockets across exec: an inetd-style handler exec'ed with the
   connection on stdin/stdout (fork + dup2 + execl, and posix_spawn with
   dup2 file actions) talks over it and sees a socket (SO_TYPE, the peer's
   port); a close-on-exec socket is gone from the exec'ed image, so the
   parent's close ends the connection at once (the peer sees EOF while the
   handler still runs). The handler reports through a pipe.
   Args: PEER  (handler mode: --handler REPORT_FD) */
#include "probe.h"

#include <spawn.h>
#include <sys/wait.h>

extern char** environ;

static int handler(int report) {
    char out[256], buf[64];
    int type = -1;
    socklen_t len = sizeof type;
    getsockopt(0, SOL_SOCKET, SO_TYPE, &type, &len);
    struct sockaddr_in peer;
    len = sizeof peer;
    int gp = getpeername(1, (struct sockaddr*)&peer, &len);
    ssize_t w = write(1, "handled\n", 8);
    ssize_t got = 0;
    while (got < 8) {
        ssize_t r = read(0, buf + got, sizeof buf - 1 - got);
        if (r <= 0) break;
        got += r;
    }
    buf[got > 0 ? got : 0] = 0;
    int n = snprintf(out, sizeof out, "stream %d peer port %d write %zd echo %s", type == SOCK_STREAM,
                     gp == 0 ? ntohs(peer.sin_port) : -1, w, got > 0 ? buf : "(none)\n");
    if (write(report, out, (size_t)n) != n) return 1;
    usleep(600000); /* still running while the parent closes its other socket */
    return 0;
}

static void report_from(int rfd, const char* label) {
    char buf[256];
    ssize_t n = read(rfd, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    printf("%s: %s", label, n > 0 ? buf : "(no report)\n");
}


int main(int argc, char** argv) {
    if (argc == 3 && strcmp(argv[1], "--handler") == 0) return handler(atoi(argv[2]));
    need_args(argc, 2, "exec_inherit PEER");
    signal(SIGPIPE, SIG_IGN);

    /* fork + dup2 + execl, with a close-on-exec connection to the observer. */
    int s = probe_connect(argv[1], 9001);
    struct sockaddr_in obs = probe_addr(argv[1], 9007);
    int watched = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (connect(watched, (struct sockaddr*)&obs, sizeof obs) != 0) return 2;
    send(watched, "abc", 3, 0);
    int p[2];
    if (pipe(p) != 0) return 2;
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        dup2(s, 0);
        dup2(s, 1);
        close(s);
        char fdarg[16];
        snprintf(fdarg, sizeof fdarg, "%d", p[1]);
        execl("/proc/self/exe", "exec_inherit", "--handler", fdarg, (char*)NULL);
        _exit(127);
    }
    close(p[1]);
    close(s);
    report_from(p[0], "execl handler");
    close(watched);  /* the exec'ed child no longer holds it: FIN now */
    probe_observer_saw(argv[1], "observer after close");
    int st = 0;
    waitpid(pid, &st, 0);
    printf("execl child exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    close(p[0]);

    /* posix_spawn with dup2 file actions. */
    s = probe_connect(argv[1], 9001);
    if (pipe(p) != 0) return 2;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, s, 0);
    posix_spawn_file_actions_adddup2(&fa, s, 1);
    posix_spawn_file_actions_addclose(&fa, s);
    posix_spawn_file_actions_addclose(&fa, p[0]);
    char fdarg[16];
    snprintf(fdarg, sizeof fdarg, "%d", p[1]);
    char* args[] = {"exec_inherit", "--handler", fdarg, NULL};
    int r = posix_spawn(&pid, "/proc/self/exe", &fa, NULL, args, environ);
    printf("posix_spawn: %d\n", r);
    close(p[1]);
    report_from(p[0], "spawned handler");
    waitpid(pid, &st, 0);
    printf("spawned child exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    /* The parent's own fd still works after the child is gone. */
    ssize_t w = send(s, "parent\n", 7, 0);
    char buf[32];
    ssize_t n = recv(s, buf, sizeof buf, 0);
    printf("parent after spawn: sent %zd got %zd\n", w, n);
    close(s);
    return 0;
}
