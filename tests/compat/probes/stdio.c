/* stdio on a connected socket (libc's own read/write/close inside fdopen,
   fprintf, fflush, fgets, fclose): lines go out and their echoes come back,
   fclose ends the connection (the peer's observer sees EOF and the byte
   count); syscall(SYS_sendto/recvfrom/close) on an accelerated socket. The peer echoes on 9001 and observes on 9007/9008. Args: PEER */
#include "probe.h"

#include <sys/syscall.h>

int main(int argc, char** argv) {
    need_args(argc, 2, "stdio PEER");
    int s = probe_connect(argv[1], 9001);
    FILE* f = fdopen(s, "r+");
    if (!f) { printf("fdopen: %s\n", errname(errno)); return 1; }
    setvbuf(f, NULL, _IOLBF, 0);
    char line[128];
    for (int i = 0; i < 3; ++i) {
        fprintf(f, "line %d through stdio\n", i);
        fflush(f);
        if (!fgets(line, sizeof line, f)) { printf("fgets: EOF or %s\n", errname(errno)); return 1; }
        printf("echo: %s", line);
    }
    /* The generic syscall(2) function: libc's own syscall instruction. */
    int r = probe_connect(argv[1], 9001);
    long sent = syscall(SYS_sendto, r, "raw", 3, 0, NULL, 0);
    char raw[8] = "";
    long got = syscall(SYS_recvfrom, r, raw, sizeof raw, 0, NULL, NULL);
    printf("syscall(SYS_sendto/recvfrom): %ld %ld %.3s\n", sent, got, raw);
    syscall(SYS_close, r);
    printf("fclose: %d\n", fclose(f));
    /* A stream to the observer, closed by fclose: the peer sees it end. */
    int o = probe_connect(argv[1], 9007);
    FILE* w = fdopen(o, "w");
    fputs("0123456789", w);
    printf("fclose observer stream: %d\n", fclose(w));
    probe_observer_saw(argv[1], "observer saw");
    return 0;
}
