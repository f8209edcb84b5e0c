#include "tools/shuntctl/admin_client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>

namespace shunt::ctl {

std::string default_admin_path() {
    const char* e = std::getenv("SHUNT_ADMIN_SOCKET");
    return e && *e ? e : "/run/shunt/admin.sock";
}

result<int> admin_open(const std::string& path, const std::string& request) {
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (path.size() >= sizeof sa.sun_path) return make_error(ENAMETOOLONG, "socket path too long: " + path);
    std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return make_error(errno, std::string("socket: ") + std::strerror(errno));
    if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
        const int e = errno;
        close(fd);
        if (e == ENOENT || e == ECONNREFUSED)
            return make_error(e, "shuntd is not running (no daemon at " + path + ")");
        if (e == EACCES || e == EPERM)
            return make_error(EACCES, "access denied to " + path + " (not in the admin group?)");
        return make_error(e, "cannot connect to " + path + ": " + std::strerror(e));
    }
    const std::string line = request + "\n";
    if (send(fd, line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size()) &&
        errno != EPIPE && errno != ECONNRESET) {
        // EPIPE/ECONNRESET: the daemon may have answered and closed already;
        // its reply (if any) is still there to read.
        const int e = errno;
        close(fd);
        return make_error(e, std::string("sending to shuntd: ") + std::strerror(e));
    }
    return fd;
}

result<std::string> admin_request(const std::string& path, const std::string& request, int timeout_ms) {
    auto opened = admin_open(path, request);
    if (!opened) return opened.err();
    const int fd = *opened;
    std::string reply;
    char buf[65536];
    for (;;) {
        pollfd p{fd, POLLIN, 0};
        const int n = poll(&p, 1, timeout_ms);
        if (n == 0) {
            close(fd);
            return make_error(ETIMEDOUT, "shuntd did not answer within " + std::to_string(timeout_ms) + " ms");
        }
        if (n < 0 && errno == EINTR) continue;
        const ssize_t r = read(fd, buf, sizeof buf);
        if (r > 0) {
            reply.append(buf, static_cast<std::size_t>(r));
            continue;
        }
        if (r < 0 && errno == EINTR) continue;
        break;
    }
    close(fd);
    if (reply.empty()) return make_error(ECONNRESET, "shuntd closed the connection without a reply");
    return reply;
}

}  // namespace shunt::ctl
