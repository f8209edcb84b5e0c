/* Issue 20 item 12, tests/security/io_uring.sh cases (b) and (c): a program
   that makes its ring itself, without liburing: io_uring_setup through
   libc's syscall(2) (which shunt's syscall hook sees), the rings mapped and
   driven by hand.
     before     the ring first, then the connection; every byte through the
                ring: 23 bytes with IORING_OP_SEND and their echo with
                IORING_OP_RECV, 23 more with IORING_OP_WRITE and _READ.
     after      the connection first, then the ring ("ring: ok" or why
                not), then the echo with plain send() and recv().
     after-raw  as after, io_uring_setup made by a `syscall` instruction in
                this program's own code (shunt sees it with SHUNT_SUD=1).
   Exit 0 when every echo came back as sent (the ring's answer aside).
   Args: MODE HOST PORT */
#include "echo_lines.h"

#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>

struct ring {
    int fd;
    unsigned *sq_tail, *sq_mask, *sq_array;
    unsigned *cq_head, *cq_tail, *cq_mask;
    struct io_uring_sqe* sqes;
    struct io_uring_cqe* cqes;
};

static long raw_setup(unsigned entries, struct io_uring_params* p) {
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"((long)SYS_io_uring_setup), "D"((long)entries), "S"(p)
                     : "rcx", "r11", "memory");
    return r;
}

/* The ring's fd, or -errno. */
static long setup(struct io_uring_params* p, int raw) {
    memset(p, 0, sizeof *p);
    if (raw) return raw_setup(8, p);
    const long fd = syscall(SYS_io_uring_setup, 8, p);
    return fd < 0 ? -errno : fd;
}

static int map(struct ring* r, int fd, const struct io_uring_params* p) {
    size_t sq_size = p->sq_off.array + p->sq_entries * sizeof(unsigned);
    size_t cq_size = p->cq_off.cqes + p->cq_entries * sizeof(struct io_uring_cqe);
    const int single = (p->features & IORING_FEAT_SINGLE_MMAP) != 0;
    if (single && cq_size > sq_size) sq_size = cq_size;
    char* sq = mmap(NULL, sq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
    if (sq == MAP_FAILED) return -1;
    char* cq = single ? sq
                      : mmap(NULL, cq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_CQ_RING);
    if (cq == MAP_FAILED) return -1;
    void* sqes = mmap(NULL, p->sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
    if (sqes == MAP_FAILED) return -1;
    r->fd = fd;
    r->sq_tail = (unsigned*)(sq + p->sq_off.tail);
    r->sq_mask = (unsigned*)(sq + p->sq_off.ring_mask);
    r->sq_array = (unsigned*)(sq + p->sq_off.array);
    r->cq_head = (unsigned*)(cq + p->cq_off.head);
    r->cq_tail = (unsigned*)(cq + p->cq_off.tail);
    r->cq_mask = (unsigned*)(cq + p->cq_off.ring_mask);
    r->cqes = (struct io_uring_cqe*)(cq + p->cq_off.cqes);
    r->sqes = sqes;
    return 0;
}

/* One operation, submitted with io_uring_enter and its completion looked
   for every millisecond for 5 s (this program alone moves the heads). */
static long run(void* p, int op, int fd, void* buf, unsigned len) {
    struct ring* r = p;
    const unsigned tail = *r->sq_tail;
    const unsigned i = tail & *r->sq_mask;
    struct io_uring_sqe* sqe = &r->sqes[i];
    memset(sqe, 0, sizeof *sqe);
    sqe->opcode = (unsigned char)op;
    sqe->fd = fd;
    sqe->addr = (unsigned long)buf;
    sqe->len = len;
    r->sq_array[i] = i;
    __atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);  /* the kernel's acquire of the tail */
    if (syscall(SYS_io_uring_enter, r->fd, 1, 0, 0, NULL, 0) < 0) return -errno;
    for (int ms = 0; ms < 5000; ++ms) {
        const unsigned head = *r->cq_head;
        if (head != __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE)) {  /* the kernel's release of the tail */
            const long res = r->cqes[head & *r->cq_mask].res;
            __atomic_store_n(r->cq_head, head + 1, __ATOMIC_RELEASE);
            return res;
        }
        usleep(1000);
    }
    return -ETIME;
}

/* The echo with plain send() and recv() (a 5 s receive timeout). */
static int plain_echo(int s) {
    struct timeval tv = {.tv_sec = 5, .tv_usec = 0};
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    const ssize_t w = send(s, k_first, ECHO_LEN, MSG_NOSIGNAL);
    if (w < 0) {
        printf("send: %s\n", strerror(errno));
        return 0;
    }
    printf("send: %zd\n", w);
    char buf[ECHO_LEN];
    long got = 0;
    ssize_t r = 0;
    while (got < ECHO_LEN && (r = recv(s, buf + got, (size_t)(ECHO_LEN - got), 0)) > 0) got += r;
    echo_show("recv", got, buf);
    if (r < 0) printf("recv: %s\n", strerror(errno));
    return echo_same(got, buf, k_first);
}

int main(int argc, char** argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: ring_echo before|after|after-raw HOST PORT\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char* mode = argv[1];
    struct io_uring_params params;
    struct ring ring;
    if (!strcmp(mode, "before")) {
        const long fd = setup(&params, 0);
        if (fd < 0) {
            printf("ring: %s\n", strerror((int)-fd));
            return 1;
        }
        printf("ring: ok\n");
        if (map(&ring, (int)fd, &params) != 0) {
            printf("ring: mmap %s\n", strerror(errno));
            return 1;
        }
        const int s = echo_connect(argv[2], argv[3]);
        const int ok = echo_through_ring(&ring, run, s, k_first, IORING_OP_SEND, IORING_OP_RECV, "send", "recv") &&
                       echo_through_ring(&ring, run, s, k_second, IORING_OP_WRITE, IORING_OP_READ, "write", "read");
        close(s);
        return ok ? 0 : 1;
    }
    if (strcmp(mode, "after") && strcmp(mode, "after-raw")) {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    const int s = echo_connect(argv[2], argv[3]);
    const long fd = setup(&params, !strcmp(mode, "after-raw"));
    if (fd < 0) {
        printf("ring: %s\n", strerror((int)-fd));
    } else {
        printf("ring: ok\n");
        close((int)fd);
    }
    const int ok = plain_echo(s);
    close(s);
    return ok ? 0 : 1;
}
