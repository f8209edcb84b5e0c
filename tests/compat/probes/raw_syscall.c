/* Raw `syscall` instructions in the program's own code (a static runtime or
   hand-written assembly makes them) on an accelerated socket, and libc's
   syscall(3): with SHUNT_SUD=1 they reach shunt like libc's own calls, in
   the first thread, in a new thread and in a forked child. The peer echoes
   on 9001. Args: PEER */
#include "probe.h"

#include <pthread.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static long raw6(long n, long a, long b, long c, long d, long e, long f) {
    long r;
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    __asm__ volatile("syscall"
                     : "=a"(r)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return r;
}

/* Sends `what` with a raw sendto and reads its echo with raw recvfroms. */
static void raw_echo(int s, const char* label, const char* what) {
    size_t n = strlen(what);
    long w = raw6(SYS_sendto, s, (long)what, (long)n, 0, 0, 0);
    char buf[32];
    size_t got = 0;
    long r = 0;
    while (got < n && (r = raw6(SYS_recvfrom, s, (long)(buf + got), (long)(sizeof buf - got), 0, 0, 0)) > 0)
        got += (size_t)r;
    printf("%s: sent %ld, echo %.*s\n", label, w, (int)got, buf);
}

static int sock;

static void* thread_main(void* arg) {
    (void)arg;
    raw_echo(sock, "raw in a thread", "thread");
    return NULL;
}

int main(int argc, char** argv) {
    need_args(argc, 2, "raw_syscall PEER");
    sock = probe_connect(argv[1], 9001);
    raw_echo(sock, "raw in main", "ping");
    printf("raw getppid is getppid(): %s\n", raw6(SYS_getppid, 0, 0, 0, 0, 0, 0) == getppid() ? "yes" : "no");
    long w = syscall(SYS_sendto, sock, "libc", 4, 0, NULL, 0);
    char buf[8];
    size_t got = 0;
    long r;
    while (got < 4 && (r = syscall(SYS_recvfrom, sock, buf + got, sizeof buf - got, 0, NULL, NULL)) > 0) got += (size_t)r;
    printf("syscall(3): sent %ld, echo %.*s\n", w, (int)got, buf);
    pthread_t t;
    pthread_create(&t, NULL, thread_main, NULL);
    pthread_join(t, NULL);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        raw_echo(sock, "raw in a forked child", "child");
        fflush(stdout);
        _exit(0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    printf("child exit %d\n", WEXITSTATUS(st));
    SHOW("raw close", raw6(SYS_close, sock, 0, 0, 0, 0, 0));
    SHOW("send after the raw close", send(sock, "x", 1, MSG_NOSIGNAL));
    return 0;
}
