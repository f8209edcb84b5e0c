/* Binding below ip_unprivileged_port_start after dropping root (the process
   attached to shuntd as root first: its current credentials are what count):
   EACCES for port 80, success for an ephemeral port, EADDRINUSE for a port
   taken, and the root-made listener still serves. Args: SELF */
#include "probe.h"

int main(int argc, char** argv) {
    need_args(argc, 2, "bind_privileged SELF");
    struct sockaddr_in any_port = probe_addr(argv[1], 0);
    int first = socket(AF_INET, SOCK_STREAM, 0);
    SHOW("bind as root", bind(first, (struct sockaddr*)&any_port, sizeof any_port));
    struct sockaddr_in mine;
    socklen_t len = sizeof mine;
    getsockname(first, (struct sockaddr*)&mine, &len);
    listen(first, 4);
    if (setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0) {
        printf("cannot drop root: %s\n", errname(errno));
        return 2;
    }
    struct sockaddr_in low = probe_addr(argv[1], 80);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    SHOW("bind port 80 as nobody", bind(s, (struct sockaddr*)&low, sizeof low));
    SHOW("bind port 0 as nobody", bind(s, (struct sockaddr*)&any_port, sizeof any_port));
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    SHOW("bind UDP port 53 as nobody", bind(u, (struct sockaddr*)&(struct sockaddr_in){.sin_family = AF_INET,
                                                                              .sin_port = htons(53),
                                                                              .sin_addr = low.sin_addr},
                                           sizeof low));
    int t = socket(AF_INET, SOCK_STREAM, 0);
    SHOW("bind a port in use", bind(t, (struct sockaddr*)&mine, sizeof mine));
    /* Still served as nobody: a connection to the listener made as root. */
    int c = socket(AF_INET, SOCK_STREAM, 0);
    SHOW("connect to own listener as nobody", connect(c, (struct sockaddr*)&mine, sizeof mine));
    int a = accept(first, NULL, NULL);
    SHOW("send", send(c, "x", 1, 0));
    char b;
    SHOW("recv", recv(a, &b, 1, 0));
    close(c);
    close(a);
    close(first);
    close(s);
    close(u);
    close(t);
    return 0;
}
