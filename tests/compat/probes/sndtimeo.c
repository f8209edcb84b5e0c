/* SO_SNDTIMEO bounds a blocking send to a peer that never reads: once the
   buffers are full, send returns what it took so far, then -1 EAGAIN after
   the timeout; MSG_DONTWAIT says EAGAIN (after taking what a window that
   reopened a little may hold); the timeout reads back. The peer stalls on 9009. Args: PEER */
#include "probe.h"

#include <sys/time.h>

static double now(void) {
    struct timeval t;
    gettimeofday(&t, NULL);
    return t.tv_sec + t.tv_usec / 1e6;
}

int main(int argc, char** argv) {
    need_args(argc, 2, "sndtimeo PEER");
    int fd = probe_connect(argv[1], 9009);
    struct timeval tv = {0, 400000}, back = {0, 0};
    SHOW("set SO_SNDTIMEO", setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv));
    socklen_t len = sizeof back;
    getsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &back, &len);
    printf("SO_SNDTIMEO: %ld.%06ld\n", (long)back.tv_sec, (long)back.tv_usec);
    static char buf[65536];
    memset(buf, 'z', sizeof buf);
    long total = 0;
    ssize_t r;
    double t0 = now(), last = t0;
    while ((r = send(fd, buf, sizeof buf, MSG_NOSIGNAL)) > 0) {
        total += r;
        last = now();
        if (total > (1L << 30)) break;  /* the peer reads after all? */
    }
    double waited = now() - last;
    printf("send until full: last %s, some bytes taken %d\n", r < 0 ? errname(errno) : "ok", total > 0);
    printf("the failing send waited the timeout: %d\n", waited >= 0.35 && waited < 3.0);
    /* The peer's receive window may still reopen by a few hundred bytes now
       and then (its kernel reclaims the overhead of the many MSS-sized
       buffers lwIP's segments arrive in by collapsing them; a kernel
       sender's large GSO segments leave little to reclaim): the first
       non-blocking send takes at most that. The one right after it finds
       the buffers full. */
    ssize_t d = send(fd, buf, sizeof buf, MSG_DONTWAIT | MSG_NOSIGNAL);
    printf("MSG_DONTWAIT of 64 KiB when full takes under 4 KiB: %s\n",
           (d < 0 && errno == EAGAIN) || (d >= 0 && d < 4096) ? "yes" : "no");
    SHOW("MSG_DONTWAIT right after", send(fd, buf, 100, MSG_DONTWAIT | MSG_NOSIGNAL));
    close(fd);
    return 0;
}
