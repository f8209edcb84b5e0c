/* epoll over an accelerated socket and a pipe: level and edge triggered,
   EPOLLONESHOT, and an epoll fd inside another epoll fd. Args: PEER */
#include "probe.h"
#include <sys/epoll.h>

static int wait_n(int ep, int ms, const char* what) {
    struct epoll_event ev[4];
    int n = epoll_wait(ep, ev, 4, ms);
    probe_sort_events(ev, n);
    printf("%s: %d", what, n);
    for (int i = 0; i < n; ++i) printf(" [%s%s%s]", ev[i].data.u32 == 1 ? "sock" : ev[i].data.u32 == 2 ? "pipe" : "inner",
                                       ev[i].events & EPOLLIN ? " IN" : "", ev[i].events & EPOLLOUT ? " OUT" : "");
    printf("\n");
    return n;
}

int main(int argc, char** argv) {
    need_args(argc, 2, "epoll_mixed PEER");
    int fd = probe_connect(argv[1], 9001);
    int pp[2];
    pipe(pp);
    int ep = epoll_create1(0);
    struct epoll_event e = {.events = EPOLLIN | EPOLLET, .data.u32 = 1};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
    e.events = EPOLLIN;
    e.data.u32 = 2;
    epoll_ctl(ep, EPOLL_CTL_ADD, pp[0], &e);
    wait_n(ep, 100, "idle");
    send(fd, "a", 1, 0);
    write(pp[1], "p", 1);
    usleep(200000);
    wait_n(ep, 1000, "both ready");
    wait_n(ep, 100, "edge consumed, pipe still level");
    char c;
    read(pp[0], &c, 1);
    send(fd, "b", 1, 0);
    usleep(200000);
    wait_n(ep, 1000, "new edge without reading");
    char buf[8];
    printf("read: %zd\n", recv(fd, buf, sizeof buf, 0));
    e.events = EPOLLIN | EPOLLONESHOT;
    e.data.u32 = 1;
    epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e);
    send(fd, "c", 1, 0);
    usleep(200000);
    wait_n(ep, 1000, "oneshot");
    wait_n(ep, 100, "oneshot disarmed");
    recv(fd, buf, sizeof buf, 0);
    int outer = epoll_create1(0);
    e.events = EPOLLIN;
    e.data.u32 = 3;
    epoll_ctl(outer, EPOLL_CTL_ADD, ep, &e);
    e.events = EPOLLIN | EPOLLOUT;
    e.data.u32 = 1;
    epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e);
    wait_n(outer, 1000, "nested (socket writable)");
    close(outer);
    close(ep);
    close(fd);
    return 0;
}
