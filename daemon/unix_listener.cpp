#include "daemon/unix_listener.hpp"

#include "base/log.hpp"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace shunt::daemon {

result<unix_listener> unix_listener::open(const std::string& path, mode_t mode,
                                          std::optional<uid_t> owner, std::optional<gid_t> group, int type) {
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (path.size() >= sizeof sa.sun_path)
        return make_error(ENAMETOOLONG, "socket path too long: " + path);
    std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);

    // Parent directory: created if missing (like /run/shunt), never loosened.
    if (auto slash = path.rfind('/'); slash != std::string::npos && slash > 0) {
        const std::string dir = path.substr(0, slash);
        if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
            return make_error(errno, "cannot create " + dir + ": " + std::strerror(errno));
    }

    // A socket that still answers belongs to a running daemon: do not steal it.
    struct stat st{};
    if (lstat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            return make_error(EEXIST, path + " exists and is not a socket");
        int probe = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
        const bool live = probe >= 0 && connect(probe, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
        if (probe >= 0) close(probe);
        if (live) return make_error(EADDRINUSE, path + " is in use: is another shuntd running?");
        unlink(path.c_str());
    }

    int fd = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return make_error(errno, std::string("socket: ") + std::strerror(errno));
    // Create with no access, then set owner and mode: no window in which the
    // socket is reachable with looser permissions than configured.
    const mode_t old = umask(0777);
    const int rc = bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    const int bind_errno = errno;
    umask(old);
    if (rc != 0) {
        close(fd);
        return make_error(bind_errno, "cannot bind " + path + ": " + std::strerror(bind_errno));
    }
    unix_listener l(fd, path);
    if ((owner || group) &&
        chown(path.c_str(), owner ? *owner : static_cast<uid_t>(-1), group ? *group : static_cast<gid_t>(-1)) != 0)
        return make_error(errno, "cannot chown " + path + ": " + std::strerror(errno));
    if (chmod(path.c_str(), mode) != 0)
        return make_error(errno, "cannot chmod " + path + ": " + std::strerror(errno));
    if (listen(fd, 128) != 0) return make_error(errno, std::string("listen: ") + std::strerror(errno));
    return l;
}

unix_listener::unix_listener(int fd, std::string path)
    : fd_(fd), spare_(::open("/dev/null", O_RDONLY | O_CLOEXEC)), path_(std::move(path)) {}

int unix_listener::accept_client() {
    for (;;) {
        const int fd = accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) return fd;
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if ((errno != EMFILE && errno != ENFILE) || spare_ < 0) return -1;
        close(spare_);
        const int shed = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (shed >= 0) close(shed);
        spare_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (shed < 0) return -1;
        SHUNT_LOG_WARN("%s: out of file descriptors; a client was turned away", path_.c_str());
    }
}

result<int> unix_listener::make_epoll() const {
    const int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) return make_error(errno, std::string("epoll_create1: ") + std::strerror(errno));
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd_;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd_, &ev) != 0) {
        const int e = errno;
        close(ep);
        return make_error(e, std::string("epoll_ctl: ") + std::strerror(e));
    }
    return ep;
}

unix_listener::~unix_listener() {
    if (spare_ >= 0) close(spare_);
    if (fd_ >= 0) {
        close(fd_);
        unlink(path_.c_str());
    }
}

result<peer_credentials> credentials_of(int fd) {
    ucred uc{};
    socklen_t len = sizeof uc;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) != 0) return make_error(errno);
    return peer_credentials{uc.pid, uc.uid, uc.gid};
}

bool process_in_group(pid_t pid, gid_t primary, gid_t gid) {
    if (primary == gid) return true;
    std::ifstream f("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(f, line)) {
        if (line.rfind("Groups:", 0) != 0) continue;
        std::istringstream in(line.substr(7));
        unsigned long g = 0;
        while (in >> g)
            if (g == gid) return true;
        return false;
    }
    return false;
}

bool peer_permitted(int fd, std::optional<uid_t> owner, std::optional<gid_t> group, bool open_when_unset) {
    auto cred = credentials_of(fd);
    if (!cred) return false;
    if (cred->uid == 0 || cred->uid == geteuid()) return true;
    if (!owner && !group) return open_when_unset;
    if (owner && cred->uid == *owner) return true;
    return group && process_in_group(cred->pid, cred->gid, *group);
}

}  // namespace shunt::daemon
