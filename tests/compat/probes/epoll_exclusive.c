/* EPOLLEXCLUSIVE: four threads, each with its own epoll set holding the same
   connected socket exclusively, wait for data; one arrival wakes at least one
   and not all four. The peer sends on 9006 ("01234", then "56789" 200 ms
   later). Args: PEER */
#include "probe.h"

#include <pthread.h>
#include <sys/epoll.h>

static int sock;
static int woken;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void* waiter(void* arg) {
    int ep = *(int*)arg;
    struct epoll_event ev;
    if (epoll_wait(ep, &ev, 1, 1500) == 1) {
        pthread_mutex_lock(&mu);
        ++woken;
        pthread_mutex_unlock(&mu);
    }
    return NULL;
}

int main(int argc, char** argv) {
    need_args(argc, 2, "epoll_exclusive PEER");
    sock = probe_connect(argv[1], 9006);
    char buf[16];
    /* Take the first part so the socket is idle, then wait for the second. */
    struct pollfd p = {sock, POLLIN, 0};
    poll(&p, 1, 2000);
    ssize_t r = recv(sock, buf, 5, 0);
    printf("first part: %zd\n", r);
    int eps[4];
    pthread_t t[4];
    for (int i = 0; i < 4; ++i) {
        eps[i] = epoll_create1(0);
        struct epoll_event ev = {.events = EPOLLIN | EPOLLEXCLUSIVE, .data.fd = sock};
        if (epoll_ctl(eps[i], EPOLL_CTL_ADD, sock, &ev) != 0) printf("epoll_ctl EPOLLEXCLUSIVE: -1 %s\n", errname(errno));
        pthread_create(&t[i], NULL, waiter, &eps[i]);
    }
    for (int i = 0; i < 4; ++i) pthread_join(t[i], NULL);
    printf("woken at least one: %d, all four: %d\n", woken >= 1, woken == 4);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLEXCLUSIVE, .data.fd = sock};
    SHOW("EPOLL_CTL_MOD of an exclusive entry", epoll_ctl(eps[0], EPOLL_CTL_MOD, sock, &ev));
    r = recv(sock, buf, sizeof buf, 0);
    printf("second part: %zd\n", r);
    close(sock);
    return 0;
}
