/* hook_bench ITERATIONS [ADDRESS]: nanoseconds per call of the paths the
   syscall hook (preload/syscall_entry.S) puts a libc syscall on, for the
   hook figure of ./dev bench. Run with no preload, with libshunt.so and
   SHUNT_SYSCALL_HOOK=0, and with the hook on; the script subtracts.

     getppid_ns   getppid(): a call that takes no fd (the entry's bitmap
                  sends it on at once)
     read_ns      read(2) of 1 byte from /dev/zero: an fd call on a kernel
                  fd (under the preload: the symbol wrapper, then libc's
                  patched site, where the entry looks the fd up)
   With ADDRESS (one of shuntd's), a TCP socket bound there, so accelerated:
     ioctl_ns     ioctl(TCGETS) on it through the symbol wrapper
     isatty_ns    isatty() on it: libc makes the same ioctl internally, so
                  the patched site hands it to the same wrapper through the
                  hook's slow path; the difference is what the hook adds to
                  a call it handles

   Each figure is the best of 5 rounds of ITERATIONS calls (CLOCK_MONOTONIC),
   the least disturbed by the rest of the machine. Prints one JSON object;
   exit 1 when a call fails. */
#define _GNU_SOURCE 1

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static void die(const char* what) {
    fprintf(stderr, "hook_bench: %s: %s\n", what, strerror(errno));
    exit(1);
}

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static long n;
static int zero_fd, sock_fd = -1;

__attribute__((noinline)) static void loop_getppid(void) {
    for (long i = 0; i < n; ++i)
        if (getppid() <= 0) die("getppid");
}

__attribute__((noinline)) static void loop_read(void) {
    char c;
    for (long i = 0; i < n; ++i)
        if (read(zero_fd, &c, 1) != 1) die("read");
}

__attribute__((noinline)) static void loop_ioctl(void) {
    struct termios t;
    for (long i = 0; i < n; ++i)
        if (ioctl(sock_fd, TCGETS, &t) != -1 || errno != ENOTTY) die("ioctl(TCGETS) on a socket");
}

__attribute__((noinline)) static void loop_isatty(void) {
    for (long i = 0; i < n; ++i)
        if (isatty(sock_fd) != 0 || errno != ENOTTY) die("isatty on a socket");
}

static double best_ns(void (*loop)(void)) {
    double best = 0;
    for (int round = 0; round < 5; ++round) {
        const double t0 = now_ns();
        loop();
        const double per = (now_ns() - t0) / (double)n;
        if (round == 0 || per < best) best = per;
    }
    return best;
}

int main(int argc, char** argv) {
    n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000;
    if (n <= 0) {
        fprintf(stderr, "usage: hook_bench ITERATIONS [ADDRESS]\n");
        return 2;
    }
    zero_fd = open("/dev/zero", O_RDONLY);
    if (zero_fd < 0) die("/dev/zero");
    if (argc > 2) {
        struct sockaddr_in a;
        memset(&a, 0, sizeof a);
        a.sin_family = AF_INET;
        if (inet_pton(AF_INET, argv[2], &a.sin_addr) != 1) {
            fprintf(stderr, "hook_bench: not an IPv4 address: %s\n", argv[2]);
            return 2;
        }
        sock_fd = socket(AF_INET, SOCK_STREAM, 0);
        if (sock_fd < 0 || bind(sock_fd, (struct sockaddr*)&a, sizeof a) != 0) die("socket/bind");
    }
    printf("{\"iterations\":%ld,\"getppid_ns\":%.2f,\"read_ns\":%.2f", n, best_ns(loop_getppid), best_ns(loop_read));
    if (sock_fd >= 0) printf(",\"ioctl_ns\":%.2f,\"isatty_ns\":%.2f", best_ns(loop_ioctl), best_ns(loop_isatty));
    printf("}\n");
    return 0;
}
