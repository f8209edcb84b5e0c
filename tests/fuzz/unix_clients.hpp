// The fuzzer as the users who connect to shuntd's control and admin
// sockets. Each client connects as one of a few users: during its
// connect(2) the process takes that user's effective uid and gid, which is
// what the daemon's SO_PEERCRED check then sees (unix(7)), and the file
// mode of the socket applies to it as to that user (with no supplementary
// groups). Switching needs root (./dev runs as root); without it every
// client is the fuzzer's own user.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace shunt::fuzz {

struct fuzz_user {
    uid_t uid;
    gid_t gid;
};
// root, two ordinary users, nobody. The configurations the targets try
// name the first ordinary user as socket owner and its group as socket group.
constexpr fuzz_user k_users[] = {{0, 0}, {1000, 1000}, {1001, 1001}, {65534, 65534}};
constexpr std::size_t k_user_count = sizeof k_users / sizeof k_users[0];
constexpr fuzz_user k_owner = k_users[1];

// A directory for this process's sockets that every user may reach
// (mkdtemp under $TMPDIR or /tmp, mode 0755), removed at exit.
const std::string& socket_dir();

// A non-blocking, close-on-exec connection of `type` (SOCK_STREAM,
// SOCK_SEQPACKET) to the socket at `path`, made as `want`; *as is the user
// it was made as (the fuzzer's own when it cannot switch). -1 if refused,
// with connect(2)'s errno in *error (EACCES: the socket's mode; EAGAIN: a
// full backlog).
int connect_as(const std::string& path, int type, const fuzz_user& want, fuzz_user* as, int* error);

// Whether the socket file's mode and owners (unix_listener::open: `owner`
// and `group` if configured, else the daemon's user and group) let user `u`
// connect (a switched client has no supplementary groups); root may always.
bool mode_admits(const fuzz_user& u, mode_t mode, std::optional<uid_t> owner, std::optional<gid_t> group);

// What shuntd's sockets' policy (daemon/unix_listener.hpp, peer_permitted)
// must decide for a client of user `u`, the daemon running as the fuzzer's
// user: root and the daemon's user always; the owner; members of the group
// (primary, or the fuzzer's supplementary groups, which a switched client
// keeps); with neither configured, `open_when_unset`.
bool policy_admits(const fuzz_user& u, bool has_owner, bool has_group, bool open_when_unset);

}  // namespace shunt::fuzz
