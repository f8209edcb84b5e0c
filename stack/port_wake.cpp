#include "stack/port_wake.hpp"

#include <dirent.h>
#include <linux/if_packet.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>

namespace shunt::stack {
namespace {

int domain_of(int fd) {
    int v = 0;
    socklen_t len = sizeof v;
    return getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len) == 0 ? v : -1;
}

}  // namespace

std::vector<int> socket_fds() {
    std::vector<int> out;
    DIR* d = opendir("/proc/self/fd");
    if (!d) return out;
    const int own = dirfd(d);
    while (dirent* e = readdir(d)) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        const int fd = std::atoi(e->d_name);
        struct stat st{};
        if (fd != own && fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode)) out.push_back(fd);
    }
    closedir(d);
    std::sort(out.begin(), out.end());
    return out;
}

int find_rx_wake_fd(const std::vector<int>& before, unsigned if_index) {
    int found = -1, candidates = 0;
    for (int fd : socket_fds()) {
        const int dom = domain_of(fd);
        bool mine = false;
        if (dom == AF_XDP) {
            // AF_XDP has no getsockname: the new one is the queue's.
            mine = !std::binary_search(before.begin(), before.end(), fd);
        } else if (dom == AF_PACKET && if_index) {
            sockaddr_ll ll{};
            socklen_t len = sizeof ll;
            mine = getsockname(fd, reinterpret_cast<sockaddr*>(&ll), &len) == 0 &&
                   static_cast<unsigned>(ll.sll_ifindex) == if_index;
        }
        if (mine) {
            found = fd;
            ++candidates;
        }
    }
    return candidates == 1 ? found : -1;
}

}  // namespace shunt::stack
