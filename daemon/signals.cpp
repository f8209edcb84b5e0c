#include "daemon/signals.hpp"

#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

namespace shunt::daemon {

result<int> block_signals_to_fd() {
    sigset_t set;
    sigemptyset(&set);
    for (int s : {SIGTERM, SIGINT, SIGHUP, SIGQUIT}) sigaddset(&set, s);
    if (pthread_sigmask(SIG_BLOCK, &set, nullptr) != 0) return make_error(errno, "sigmask");
    signal(SIGPIPE, SIG_IGN);
    int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0) return make_error(errno, std::string("signalfd: ") + std::strerror(errno));
    return fd;
}

int read_signal(int fd) {
    signalfd_siginfo si{};
    if (read(fd, &si, sizeof si) != static_cast<ssize_t>(sizeof si)) return 0;
    return static_cast<int>(si.ssi_signo);
}

}  // namespace shunt::daemon
