/* close() with SO_LINGER {1, 0} resets the connection (the peer sees a
   reset after our bytes), a plain close() ends it with a FIN (the peer sees
   EOF after all our bytes). Args: PEER */
#include "probe.h"


int main(int argc, char** argv) {
    need_args(argc, 2, "linger_zero PEER");
    char data[5000];
    memset(data, 'y', sizeof data);
    int fd = probe_connect(argv[1], 9007);
    struct linger l = {1, 0};
    SHOW("SO_LINGER set", setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l));
    struct linger g = {0, 0};
    socklen_t len = sizeof g;
    getsockopt(fd, SOL_SOCKET, SO_LINGER, &g, &len);
    printf("SO_LINGER: %d %d\n", g.l_onoff, g.l_linger);
    send(fd, data, sizeof data, 0);
    usleep(200000);
    SHOW("close", close(fd));
    probe_observer_saw(argv[1], "linger 0, the peer saw");
    fd = probe_connect(argv[1], 9007);
    send(fd, data, sizeof data, 0);
    SHOW("close", close(fd));
    probe_observer_saw(argv[1], "plain close, the peer saw");
    return 0;
}
