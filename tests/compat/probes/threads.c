/* Four threads send on one socket while a fifth reads the echo: every byte
   comes back and each thread's records arrive whole and in its own order.
   Args: PEER */
#include "probe.h"
#include <pthread.h>

#define PER 2000
static int fd;

static void* writer(void* arg) {
    long id = (long)arg;
    for (int i = 0; i < PER; ++i) {
        char rec[16];
        snprintf(rec, sizeof rec, "%ld:%07d\n", id, i);  /* 10 bytes */
        if (send(fd, rec, 10, 0) != 10) printf("short send\n");
    }
    return NULL;
}

int main(int argc, char** argv) {
    need_args(argc, 2, "threads PEER");
    fd = probe_connect(argv[1], 9001);
    pthread_t t[4];
    for (long i = 0; i < 4; ++i) pthread_create(&t[i], NULL, writer, (void*)i);
    int next[4] = {0};
    long bad = 0, got = 0;
    char rec[10];
    while (got < 4 * PER) {
        ssize_t r = recv(fd, rec, 10, MSG_WAITALL);
        if (r != 10) break;
        int id = rec[0] - '0', n = atoi(rec + 2);
        if (id < 0 || id > 3 || n != next[id]) ++bad;
        else ++next[id];
        ++got;
    }
    for (int i = 0; i < 4; ++i) pthread_join(t[i], NULL);
    printf("records: %ld, out of order: %ld\n", got, bad);
    close(fd);
    return 0;
}
