/* A sandboxed process (as a privilege-separated server's pre-auth child is)
   keeps its socket: after connecting, it installs a seccomp filter that
   allows only read, write, the poll family, futex and exit (anything else
   kills the process), then echoes over the connection with read, write,
   poll and epoll_wait (the epoll set made before), and writes what it saw
   to stdout with write. Args: PEER */
#include "probe.h"

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#define ALLOW(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

static void say(const char* s) {
    if (write(1, s, strlen(s)) < 0) _exit(3);
}

int main(int argc, char** argv) {
    need_args(argc, 2, "seccomp_sandbox PEER");
    int fd = probe_connect(argv[1], 9001);  /* echo */
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
    if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) return 2;
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        ALLOW(SYS_read),
        ALLOW(SYS_write),
        ALLOW(SYS_poll),
        ALLOW(SYS_ppoll),
        ALLOW(SYS_select),
        ALLOW(SYS_pselect6),
        ALLOW(SYS_epoll_wait),
        ALLOW(SYS_epoll_pwait),
        ALLOW(SYS_futex),
        ALLOW(SYS_exit),
        ALLOW(SYS_exit_group),
        ALLOW(SYS_rt_sigreturn),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
    };
    struct sock_fprog prog = {sizeof filter / sizeof filter[0], filter};
    fflush(stdout);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
        printf("seccomp: -1 %s\n", errname(errno));
        return 1;
    }
    say("sandboxed: ok\n");
    char buf[64];
    for (int round = 0; round < 3; ++round) {
        const char msg[] = "through the sandbox";
        say(write(fd, msg, sizeof msg - 1) == (ssize_t)(sizeof msg - 1) ? "write: ok\n" : "write: short\n");
        size_t got = 0;
        while (got < sizeof msg - 1) {
            struct pollfd p = {fd, POLLIN, 0};
            if (poll(&p, 1, 5000) != 1) {
                say("poll: timeout\n");
                _exit(1);
            }
            ssize_t n = read(fd, buf + got, sizeof buf - got);
            if (n <= 0) {
                say("read: eof or error\n");
                _exit(1);
            }
            got += (size_t)n;
        }
        say(got == sizeof msg - 1 && memcmp(buf, msg, got) == 0 ? "echo: same\n" : "echo: different\n");
    }
    {
        const char msg[] = "through epoll";
        say(write(fd, msg, sizeof msg - 1) == (ssize_t)(sizeof msg - 1) ? "write: ok\n" : "write: short\n");
        size_t got = 0;
        while (got < sizeof msg - 1) {
            struct epoll_event out;
            if (epoll_wait(ep, &out, 1, 5000) != 1) {
                say("epoll_wait: timeout\n");
                _exit(1);
            }
            ssize_t n = read(fd, buf + got, sizeof buf - got);
            if (n < 0 && errno == EAGAIN) continue;
            if (n <= 0) {
                say("read: eof or error\n");
                _exit(1);
            }
            got += (size_t)n;
        }
        say(memcmp(buf, msg, got) == 0 ? "epoll echo: same\n" : "epoll echo: different\n");
    }
    /* A blocking read issued before the echo is back (libshunt's blocking
       wait, not poll's). */
    const char last[] = "blocking";
    say(write(fd, last, sizeof last - 1) == (ssize_t)(sizeof last - 1) ? "write: ok\n" : "write: short\n");
    size_t got = 0;
    while (got < sizeof last - 1) {
        ssize_t n = read(fd, buf + got, sizeof buf - got);
        if (n <= 0) {
            say("read: eof or error\n");
            _exit(1);
        }
        got += (size_t)n;
    }
    say(memcmp(buf, last, got) == 0 ? "blocking read: same\n" : "blocking read: different\n");
    say("done\n");
    _exit(0);
}
