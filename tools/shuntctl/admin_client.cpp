#include "tools/shuntctl/admin_client.hpp"

#include <dirent.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace shunt::ctl {

namespace {

constexpr const char* k_system_admin = "/run/shunt/admin.sock";

// A daemon takes connections on path (nothing is sent: it drops the
// connection when it reads an end without a request).
bool answers(const std::string& path) {
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (path.size() >= sizeof sa.sun_path) return false;
    std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
    close(fd);
    return ok;
}

}  // namespace

result<std::string> default_admin_path() {
    if (const char* e = std::getenv("SHUNT_ADMIN_SOCKET"); e && *e) return std::string(e);
    if (answers(k_system_admin)) return std::string(k_system_admin);
    const char* d = std::getenv("SHUNT_LAB_RUN_DIR");
    const std::string labs = d && *d ? d : "/run/shunt-lab";
    std::vector<std::string> live;
    if (DIR* dir = opendir(labs.c_str())) {
        while (const dirent* ent = readdir(dir)) {
            if (ent->d_name[0] == '.') continue;
            const std::string p = labs + "/" + ent->d_name + "/admin.sock";
            if (answers(p)) live.push_back(p);
        }
        closedir(dir);
    }
    if (live.size() == 1) return live[0];
    if (live.empty()) return std::string(k_system_admin);
    std::sort(live.begin(), live.end());
    std::string names;
    for (const auto& p : live) names += (names.empty() ? "" : ", ") + p;
    return make_error(EEXIST, "several shuntd run (" + names + "); choose one with --socket or SHUNT_ADMIN_SOCKET");
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
            return make_error(e, "shuntd is not running (no daemon at " + path +
                                     (path == k_system_admin ? ", nor in a lab under $SHUNT_LAB_RUN_DIR or /run/shunt-lab)" : ")"));
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
