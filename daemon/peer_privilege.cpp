#include "daemon/peer_privilege.hpp"

#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>

namespace shunt::daemon {
namespace {

bool same_user_ns(pid_t pid) {
    struct stat mine{}, theirs{};
    const std::string path = "/proc/" + std::to_string(pid) + "/ns/user";
    return stat("/proc/self/ns/user", &mine) == 0 && stat(path.c_str(), &theirs) == 0 &&
           mine.st_ino == theirs.st_ino && mine.st_dev == theirs.st_dev;
}

}  // namespace

bool may_bind_privileged(pid_t pid) {
    if (pid <= 0) return false;
    __user_cap_header_struct h{_LINUX_CAPABILITY_VERSION_3, pid};
    __user_cap_data_struct d[2] = {};
    if (syscall(SYS_capget, &h, d) != 0) return false;
    const bool cap = d[CAP_NET_BIND_SERVICE / 32].effective & (1u << (CAP_NET_BIND_SERVICE % 32));
    return cap && same_user_ns(pid);
}

}  // namespace shunt::daemon
