/* Issue 20 item 12, tests/security/io_uring.sh case (a): a liburing program.
   It connects to the peer's echo server with libc's connect(), then makes a
   ring with liburing (whose own `syscall` instructions no hook of shunt's
   sees) and moves every byte through it: 23 bytes sent with
   IORING_OP_SEND and their echo received with IORING_OP_RECV, then 23 more
   with IORING_OP_WRITE and IORING_OP_READ. Exit 0 when both echoes came
   back as sent, 1 otherwise (the lines say what came instead).
   Args: HOST PORT */
#include "echo_lines.h"

#include <liburing.h>

static long run(void* p, int op, int fd, void* buf, unsigned len) {
    struct io_uring* ring = p;
    struct io_uring_sqe* sqe = io_uring_get_sqe(ring);
    if (!sqe) return -EBUSY;
    io_uring_prep_rw(op, sqe, fd, buf, len, 0);
    int r = io_uring_submit(ring);
    if (r < 0) return r;
    struct io_uring_cqe* cqe;
    struct __kernel_timespec ts = {.tv_sec = 5, .tv_nsec = 0};
    r = io_uring_wait_cqe_timeout(ring, &cqe, &ts);
    if (r < 0) return r; /* -ETIME: nothing completed */
    const long res = cqe->res;
    io_uring_cqe_seen(ring, cqe);
    return res;
}

int main(int argc, char** argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: uring_echo HOST PORT\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    const int s = echo_connect(argv[1], argv[2]);
    struct io_uring ring;
    const int r = io_uring_queue_init(8, &ring, 0);
    if (r < 0) {
        printf("ring: %s\n", strerror(-r));
        return 1;
    }
    printf("ring: ok\n");
    /* A timed-out operation is still in the ring: stop at the first failure. */
    const int ok = echo_through_ring(&ring, run, s, k_first, IORING_OP_SEND, IORING_OP_RECV, "send", "recv") &&
                   echo_through_ring(&ring, run, s, k_second, IORING_OP_WRITE, IORING_OP_READ, "write", "read");
    io_uring_queue_exit(&ring);
    close(s);
    return ok ? 0 : 1;
}
