// A listening AF_UNIX stream socket at a path, with the owner, group and mode
// the configuration asks for. Refuses to replace a socket a live process is
// still serving; removes a stale one. The destructor closes and unlinks.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "base/result.hpp"

namespace shunt::daemon {

class unix_listener {
public:
    [[nodiscard]] static result<unix_listener> open(const std::string& path, mode_t mode,
                                                    std::optional<uid_t> owner,
                                                    std::optional<gid_t> group, int type = 1 /* SOCK_STREAM */);
    unix_listener(unix_listener&& o) noexcept : fd_(o.fd_), spare_(o.spare_), path_(std::move(o.path_)) {
        o.fd_ = o.spare_ = -1;
    }
    unix_listener& operator=(unix_listener&&) = delete;
    unix_listener(const unix_listener&) = delete;
    ~unix_listener();

    int fd() const { return fd_; }
    // The next connection (non-blocking, close-on-exec), or -1 when none
    // waits. At the fd limit (EMFILE, ENFILE) the connection is taken into a
    // descriptor kept spare for this and closed at once: the client sees it
    // end (an app's libshunt then leaves its sockets on the kernel) and the
    // listener stops being readable, where a failing accept4 left it
    // readable and the main loop spinning on it (the pattern libev and
    // nginx use).
    int accept_client();
    // A new epoll fd (close-on-exec) watching this listener for EPOLLIN, the
    // first member of a server's set; its data.fd is the listener's fd.
    [[nodiscard]] result<int> make_epoll() const;
    const std::string& path() const { return path_; }

private:
    unix_listener(int fd, std::string path);
    int fd_ = -1;
    int spare_ = -1;  // /dev/null, given up for a moment by accept_client at the fd limit
    std::string path_;
};

struct peer_credentials {
    pid_t pid = 0;
    uid_t uid = 0;
    gid_t gid = 0;
};

[[nodiscard]] result<peer_credentials> credentials_of(int fd);

// Is gid among the primary or supplementary groups of process pid?
[[nodiscard]] bool process_in_group(pid_t pid, gid_t primary, gid_t gid);

// The sockets' access policy for the peer of connection fd (SO_PEERCRED):
// root and the daemon's own user always; the configured owner; members of
// the configured group. With neither configured, `open_when_unset` decides
// (the control socket lets anyone its mode admits; the admin socket does not).
[[nodiscard]] bool peer_permitted(int fd, std::optional<uid_t> owner, std::optional<gid_t> group,
                                  bool open_when_unset);

}  // namespace shunt::daemon
