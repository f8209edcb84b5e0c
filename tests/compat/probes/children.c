/* Children started by libc itself while an accelerated connection is open:
   system() (its exit status), popen() (its output), posix_spawn of a shell
   that inherits the socket as fd 5 and writes to it; the parent's
   connection keeps working afterwards. The peer echoes on 9001. Args: PEER */
#include "probe.h"

#include <spawn.h>
#include <sys/wait.h>

extern char** environ;

int main(int argc, char** argv) {
    need_args(argc, 2, "children PEER");
    int s = probe_connect(argv[1], 9001);
    int st = system("exit 3");
    printf("system: exited %d status %d\n", WIFEXITED(st), WEXITSTATUS(st));
    FILE* p = popen("echo from popen", "r");
    char line[64] = "";
    if (p && fgets(line, sizeof line, p)) printf("popen: %s", line);
    printf("pclose: %d\n", p ? pclose(p) : -1);
    /* A shell writes into the inherited socket (fd 5): its bytes are echoed to us. */
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, s, 5);
    char* args[] = {"sh", "-c", "printf shell >&5", NULL};
    pid_t pid;
    printf("posix_spawn: %d\n", posix_spawn(&pid, "/bin/sh", &fa, NULL, args, environ));
    waitpid(pid, &st, 0);
    printf("shell exit %d\n", WEXITSTATUS(st));
    char buf[16];
    ssize_t n = 0, r;
    while (n < 5 && (r = recv(s, buf + n, sizeof buf - (size_t)n, 0)) > 0) n += r;
    printf("echo of the shell's bytes: %.*s\n", (int)n, buf);
    printf("send after: %zd\n", send(s, "more", 4, 0));
    n = recv(s, buf, sizeof buf, 0);
    printf("recv after: %zd %.*s\n", n, (int)(n > 0 ? n : 0), buf);
    close(s);
    return 0;
}
