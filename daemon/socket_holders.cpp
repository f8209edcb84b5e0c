#include "daemon/socket_holders.hpp"

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>

namespace shunt::daemon {

socket_holders::socket_holders(std::uint32_t max_sockets, std::uint32_t max_holders)
    : refs_(max_sockets), fds_(1, -1), max_holders_(max_holders) {}

socket_holders::~socket_holders() {
    for (int fd : fds_)
        if (fd >= 0) close(fd);  // a unix stream socket checked by the session: close never waits
    if (ep_ >= 0) close(ep_);
}

std::optional<std::uint32_t> socket_holders::resolve(std::uint32_t holder) const {
    if (holder == k_attacher) holder = attacher_moved_to_;
    if (holder == k_attacher) return holder;
    if (holder < fds_.size() && fds_[holder] >= 0) return holder;
    return std::nullopt;
}

void socket_holders::opened(std::uint32_t sock, std::uint32_t holder) {
    if (sock < refs_.size()) refs_[sock].assign(1, ref{holder, 1});
}

bool socket_holders::release(std::uint32_t sock, std::uint32_t holder) {
    if (sock >= refs_.size()) return false;
    auto& v = refs_[sock];
    const auto it = std::find_if(v.begin(), v.end(), [holder](const ref& r) { return r.holder == holder; });
    if (it == v.end()) return false;
    if (--it->count == 0) v.erase(it);
    return v.empty();
}

std::optional<std::uint32_t> socket_holders::add_holder(int fd) {
    if (live_ >= max_holders_) return std::nullopt;
    if (ep_ < 0) ep_ = epoll_create1(EPOLL_CLOEXEC);
    if (ep_ < 0) return std::nullopt;
    std::uint32_t id;
    if (!free_ids_.empty()) {
        id = free_ids_.back();
        free_ids_.pop_back();
    } else {
        id = static_cast<std::uint32_t>(fds_.size());
        fds_.push_back(-1);
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;  // the app never writes: anything there is its end closing
    ev.data.u32 = id;
    if (epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev) != 0) {
        free_ids_.push_back(id);
        return std::nullopt;
    }
    fds_[id] = fd;
    ++live_;
    return id;
}

socket_holders::fork_ids socket_holders::fork(std::uint32_t holder, int child_fd, int own_fd) {
    fork_ids ids{holder, holder};
    if (holder == k_attacher && own_fd >= 0) {
        if (auto own = add_holder(own_fd)) {
            // The attacher's sockets become its own holder's: from now on
            // its death is seen without the control connection's.
            for (auto& v : refs_)
                for (ref& r : v)
                    if (r.holder == k_attacher) r.holder = *own;
            attacher_moved_to_ = *own;
            ids.caller = ids.child = *own;
            own_fd = -1;
        }
    }
    if (own_fd >= 0) close(own_fd);
    std::optional<std::uint32_t> child;
    if (child_fd >= 0 && !(child = add_holder(child_fd))) close(child_fd);  // full: the child shares
    for (auto& v : refs_) {
        const auto it = std::find_if(v.begin(), v.end(), [&](const ref& r) { return r.holder == ids.caller; });
        if (it == v.end()) continue;
        if (child) v.push_back(ref{*child, 1});
        else ++it->count;  // the child shares the caller's holder
    }
    if (child) ids.child = *child;
    return ids;
}

std::vector<std::uint32_t> socket_holders::gone_holders() {
    std::vector<std::uint32_t> out;
    if (ep_ < 0 || live_ == 0) return out;
    epoll_event evs[64];
    const int n = epoll_wait(ep_, evs, 64, 0);
    for (int i = 0; i < n; ++i) out.push_back(evs[i].data.u32);
    return out;
}

std::vector<std::uint32_t> socket_holders::drop_holder(std::uint32_t h) {
    std::vector<std::uint32_t> closed;
    if (h == k_attacher || h >= fds_.size() || fds_[h] < 0) return closed;
    // Removed by hand: a copy of this end in the app keeps its file open,
    // and epoll forgets a file only with its last fd.
    epoll_ctl(ep_, EPOLL_CTL_DEL, fds_[h], nullptr);
    close(fds_[h]);
    fds_[h] = -1;
    free_ids_.push_back(h);
    --live_;
    for (std::uint32_t sock = 0; sock < refs_.size(); ++sock) {
        auto& v = refs_[sock];
        const auto it = std::find_if(v.begin(), v.end(), [h](const ref& r) { return r.holder == h; });
        if (it == v.end()) continue;
        v.erase(it);
        if (v.empty()) closed.push_back(sock);
    }
    return closed;
}

}  // namespace shunt::daemon
