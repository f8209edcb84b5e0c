#include "tests/fuzz/unix_clients.hpp"

#include <grp.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace shunt::fuzz {
namespace {

std::string g_dir;

void remove_dir() {
    if (!g_dir.empty()) rmdir(g_dir.c_str());
}

std::vector<gid_t> supplementary_groups() {
    std::vector<gid_t> groups(static_cast<std::size_t>(std::max(getgroups(0, nullptr), 0)));
    const int n = getgroups(static_cast<int>(groups.size()), groups.data());
    groups.resize(static_cast<std::size_t>(std::max(n, 0)));
    return groups;
}

[[noreturn]] void die(const char* what) {
    std::fprintf(stderr, "fuzz: %s: %s\n", what, std::strerror(errno));
    std::abort();
}

}  // namespace

const std::string& socket_dir() {
    if (!g_dir.empty()) return g_dir;
    const char* tmp = std::getenv("TMPDIR");
    std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/shunt-fuzz-XXXXXX";
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    if (!mkdtemp(buf.data())) die("mkdtemp");
    g_dir = buf.data();
    if (chmod(g_dir.c_str(), 0755) != 0) die("chmod of the socket directory");
    std::atexit(remove_dir);
    return g_dir;
}

int connect_as(const std::string& path, int type, const fuzz_user& want, fuzz_user* as, int* error) {
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (path.size() >= sizeof sa.sun_path) return -1;
    std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
    const int fd = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket");
    const uid_t uid = geteuid();
    const gid_t gid = getegid();
    std::vector<gid_t> groups = supplementary_groups();
    const auto back = [&] {
        if (seteuid(uid) != 0 || setegid(gid) != 0 || setgroups(groups.size(), groups.data()) != 0)
            die("switching back to the fuzzer's user");
        // A change of euid made the process non-dumpable; as it was.
        prctl(PR_SET_DUMPABLE, 1);
    };
    // The user's own group only: not the fuzzer's supplementary ones.
    bool switched = false;
    if (uid == 0 && (want.uid != uid || want.gid != gid)) {
        if (setgroups(0, nullptr) == 0) {
            switched = setegid(want.gid) == 0 && seteuid(want.uid) == 0;
            if (!switched) back();
        }
    }
    const int rc = connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    *error = rc == 0 ? 0 : errno;
    if (switched) back();
    *as = switched ? want : fuzz_user{uid, gid};
    if (rc != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

bool mode_admits(const fuzz_user& u, mode_t mode, std::optional<uid_t> owner, std::optional<gid_t> group) {
    // connect(2) needs write permission on the file (unix(7)).
    if (u.uid == 0) return true;
    if (u.uid == owner.value_or(geteuid())) return mode & 0200;
    if (u.gid == group.value_or(getegid())) return mode & 020;
    return mode & 02;
}

bool policy_admits(const fuzz_user& u, bool has_owner, bool has_group, bool open_when_unset) {
    if (u.uid == 0 || u.uid == geteuid()) return true;
    if (!has_owner && !has_group) return open_when_unset;
    if (has_owner && u.uid == k_owner.uid) return true;
    if (!has_group) return false;
    if (u.gid == k_owner.gid) return true;
    const auto groups = supplementary_groups();
    return std::find(groups.begin(), groups.end(), k_owner.gid) != groups.end();
}

}  // namespace shunt::fuzz
