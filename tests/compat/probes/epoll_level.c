/* Level-triggered epoll over sockets, as a busy server uses it (through
   shunt: its user-space fast path, preload/epoll_fast.hpp): readiness after
   partial and whole reads, EPOLL_CTL_MOD and DEL, a registered socket
   closed with and without a dup still open, fairness between several ready
   sockets when maxevents is 1, a pipe in the same set as a socket that is
   always ready (never starved), and the set inherited by a forked child.
   Args: PEER (its port 9001 echoes). */
#include "probe.h"
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <time.h>

static const char* name_of(unsigned id) {
    switch (id) {
        case 1: return "a";
        case 2: return "b";
        case 3: return "pipe";
        case 4: return "c";
        default: return "?";
    }
}

/* One epoll_wait; prints what it reported, sorted by name. */
static int show(int ep, int ms, const char* what) {
    struct epoll_event ev[8];
    int n = epoll_wait(ep, ev, 8, ms);
    probe_sort_events(ev, n);
    printf("%s: %d", what, n);
    for (int i = 0; i < n; ++i)
        printf(" [%s%s%s%s]", name_of(ev[i].data.u32), ev[i].events & EPOLLIN ? " IN" : "",
               ev[i].events & EPOLLOUT ? " OUT" : "", ev[i].events & (EPOLLHUP | EPOLLERR | EPOLLRDHUP) ? " HUP" : "");
    printf("\n");
    return n;
}


static void add(int ep, int fd, unsigned id, unsigned events) {
    struct epoll_event e = {.events = events, .data.u32 = id};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e) != 0) printf("add %s: %s\n", name_of(id), errname(errno));
}

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int g_pipe_w;
static double g_written[200];

static void* pipe_writer(void* arg) {
    (void)arg;
    for (int i = 0; i < 200; ++i) {
        g_written[i] = now_ms();
        write(g_pipe_w, "p", 1);
        usleep(1000);
    }
    return NULL;
}

int main(int argc, char** argv) {
    need_args(argc, 2, "epoll_level PEER");
    setvbuf(stdout, NULL, _IOLBF, 0);
    int a = probe_connect(argv[1], 9001), b = probe_connect(argv[1], 9001);
    int pp[2];
    pipe(pp);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    add(ep, a, 1, EPOLLIN);
    add(ep, b, 2, EPOLLIN | EPOLLOUT);
    add(ep, pp[0], 3, EPOLLIN);
    show(ep, 100, "idle");

    char buf[4096];
    send(a, "hello", 5, 0);
    probe_await_bytes(a, 5);
    show(ep, 1000, "echo arrived");
    printf("read 2: %zd\n", recv(a, buf, 2, 0));
    show(ep, 0, "after a partial read");
    printf("read rest: %zd\n", recv(a, buf, sizeof buf, 0));
    show(ep, 0, "after reading all");
    show(ep, 0, "again");

    struct epoll_event e = {.events = EPOLLIN, .data.u32 = 2};
    epoll_ctl(ep, EPOLL_CTL_MOD, b, &e);
    show(ep, 0, "b modified to IN only");
    send(b, "x", 1, 0);
    probe_await_bytes(b, 1);
    show(ep, 1000, "b's echo");
    recv(b, buf, sizeof buf, 0);

    SHOW("del a", epoll_ctl(ep, EPOLL_CTL_DEL, a, NULL));
    send(a, "y", 1, 0);
    probe_await_bytes(a, 1);
    show(ep, 100, "a deleted, its echo waiting");
    recv(a, buf, sizeof buf, 0);

    /* A registered socket closed while a dup of it stays open: the kernel
       keeps the registration (it goes with the file, not the fd). */
    add(ep, a, 1, EPOLLIN);
    int a2 = dup(a);
    close(a);
    send(a2, "z", 1, 0);
    probe_await_bytes(a2, 1);
    show(ep, 1000, "a closed, its dup open, echo waiting");
    recv(a2, buf, sizeof buf, 0);
    show(ep, 0, "a's echo read through the dup");
    close(a2);
    show(ep, 100, "the last fd closed");

    /* Fairness: three ready sockets and maxevents 1, ten calls: each is
       reported at least twice. */
    int c = probe_connect(argv[1], 9001);
    add(ep, c, 4, EPOLLIN);
    a = probe_connect(argv[1], 9001);
    add(ep, a, 1, EPOLLIN);
    send(a, "1", 1, 0), send(b, "2", 1, 0), send(c, "3", 1, 0);
    probe_await_bytes(a, 1), probe_await_bytes(b, 1), probe_await_bytes(c, 1);
    int seen[5] = {0};
    for (int i = 0; i < 12; ++i) {
        struct epoll_event ev;
        if (epoll_wait(ep, &ev, 1, 1000) == 1 && ev.data.u32 < 5) ++seen[ev.data.u32];
    }
    printf("fair: a %s, b %s, c %s\n", seen[1] >= 2 ? "yes" : "no", seen[2] >= 2 ? "yes" : "no", seen[4] >= 2 ? "yes" : "no");
    recv(a, buf, sizeof buf, 0), recv(b, buf, sizeof buf, 0), recv(c, buf, sizeof buf, 0);

    /* A pipe written every millisecond beside a socket that is always
       ready: every write is seen, none waits long. */
    g_pipe_w = pp[1];
    pthread_t t;
    pthread_create(&t, NULL, pipe_writer, NULL);
    int pipe_seen = 0;
    double worst = 0;
    const double end = now_ms() + 5000;
    send(c, "c", 1, 0);
    while (pipe_seen < 200 && now_ms() < end) {
        struct epoll_event ev[8];
        int n = epoll_wait(ep, ev, 8, 100);
        for (int i = 0; i < n; ++i) {
            if (ev[i].data.u32 == 3) {
                char p[256];
                ssize_t r = read(pp[0], p, sizeof p);
                for (ssize_t k = 0; k < r && pipe_seen < 200; ++k) {
                    double late = now_ms() - g_written[pipe_seen++];
                    if (late > worst) worst = late;
                }
            } else if (ev[i].data.u32 == 4) {
                /* Keep c busy: read its echo and send it again. */
                ssize_t r = recv(c, buf, sizeof buf, MSG_DONTWAIT);
                if (r > 0) send(c, buf, (size_t)r, 0);
            }
        }
    }
    pthread_join(t, NULL);
    printf("pipe beside a busy socket: %d of 200 writes seen, none later than 1 s: %s\n", pipe_seen,
           worst < 1000 ? "yes" : "no");
    usleep(100000);
    while (recv(c, buf, sizeof buf, MSG_DONTWAIT) > 0) {
    }

    /* The set in a forked child: it waits for b's echo, reads it. */
    pid_t pid = fork();
    if (pid == 0) {
        send(b, "f", 1, 0);
        struct epoll_event ev;
        int n = epoll_wait(ep, &ev, 1, 2000);
        int ok = n == 1 && ev.data.u32 == 2 && recv(b, buf, sizeof buf, 0) == 1;
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    printf("forked child saw b's echo: %s\n", WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "yes" : "no");
    show(ep, 0, "parent after the child read");
    close(ep);
    close(a), close(b), close(c);
    return 0;
}
