#include "daemon/control_server.hpp"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "base/log.hpp"
#include "daemon/app_segment.hpp"
#include "daemon/cmdline_reader.hpp"
#include "daemon/fd_reaper.hpp"
#include "daemon/session.hpp"
#include "shm/fd_passing.hpp"
#include "shm/protocol.hpp"

namespace shunt::daemon {
namespace {

// Connections that have not asked to attach yet: in all, and per uid (root
// aside), so one user's idle connections cannot turn every other user's
// apps away (they would run on the kernel).
constexpr std::size_t k_max_pending = 64;
constexpr std::size_t k_max_pending_per_uid = 8;
constexpr std::uint32_t k_call_slots = 256;

std::uint16_t read_unprivileged_port_start() {
    std::ifstream f("/proc/sys/net/ipv4/ip_unprivileged_port_start");
    unsigned v = 1024;
    if (!(f >> v) || v > 65535) v = 1024;
    return static_cast<std::uint16_t>(v);
}

void reply_error(int fd, int status) {
    shm::attach_reply r{shm::k_segment_magic, shm::k_protocol_version, status, 0, 0};
    (void)shm::send_with_fd(fd, &r, sizeof r, -1, MSG_DONTWAIT);
}

}  // namespace

control_server::control_server(unix_listener l, const daemon_config& cfg, session_host& host,
                               std::vector<shm::served_route> routes)
    : listener_(std::move(l)), cfg_(cfg), host_(host), routes_(std::move(routes)),
      unprivileged_port_start_(read_unprivileged_port_start()),
      stack_memory_(std::uint64_t{cfg.app_stack_memory_mb} << 20, std::uint64_t{cfg.user_stack_memory_mb} << 20) {}

result<std::unique_ptr<control_server>> control_server::open(const daemon_config& cfg, session_host& host,
                                                             std::vector<shm::served_route> routes) {
    auto l = unix_listener::open(cfg.control_path, cfg.control_mode, cfg.socket_owner, cfg.socket_group,
                                 SOCK_SEQPACKET);
    if (!l) return l.err();
    std::unique_ptr<control_server> s(new control_server(std::move(*l), cfg, host, std::move(routes)));
    auto ep = s->listener_.make_epoll();
    if (!ep) return ep.err();
    s->epfd_ = *ep;
    return s;
}

control_server::~control_server() {
    for (auto& [fd, p] : pending_) close(fd);
    for (auto& [fd, id] : attached_) close(fd);
    if (epfd_ >= 0) close(epfd_);
}

// With neither an owner nor a group configured, any local user the socket's
// mode lets connect may attach.
bool control_server::allowed(int fd) const {
    return peer_permitted(fd, cfg_.socket_owner, cfg_.socket_group, true);
}

void control_server::service() {
    epoll_event evs[32];
    const int n = epoll_wait(epfd_, evs, 32, 0);
    for (int i = 0; i < n; ++i) {
        const int fd = evs[i].data.fd;
        if (fd == listener_.fd()) accept_clients();
        else if (pending_.count(fd)) on_pending(fd);
        else if (attached_.count(fd)) on_attached_hangup(fd);
    }
}

void control_server::expire() {
    // An app that connects and never asks is dropped after a few seconds.
    const std::time_t now = std::time(nullptr);
    for (auto it = pending_.begin(); it != pending_.end();) {
        const int fd = it->first;
        ++it;
        if (now - pending_[fd].since > 5) drop(fd);
    }
}

void control_server::accept_clients() {
    for (;;) {
        const int fd = listener_.accept_client();
        if (fd < 0) return;
        const auto cred = credentials_of(fd);
        if (!cred || pending_.size() >= k_max_pending ||
            (cred->uid != 0 && std::count_if(pending_.begin(), pending_.end(), [&](const auto& p) {
                                   return p.second.uid == cred->uid;
                               }) >= static_cast<std::ptrdiff_t>(k_max_pending_per_uid))) {
            close(fd);
            continue;
        }
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLRDHUP;
        ev.data.fd = fd;
        if (epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
            close(fd);
            continue;
        }
        pending_[fd] = pending_client{std::time(nullptr), cred->uid};
    }
}

void control_server::drop(int fd) {
    epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
    close(fd);
    pending_.erase(fd);
    attached_.erase(fd);
}

void control_server::on_pending(int fd) {
    shm::attach_request req{};
    int junk = -1;
    const ssize_t n = shm::recv_with_fd(fd, &req, sizeof req, &junk, MSG_DONTWAIT, fd_reaper::close_later);
    fd_reaper::close_later(junk);  // an attach carries no fd: whatever came is not ours to wait on
    if (n == -EAGAIN) return;
    if (n != sizeof req || req.magic != shm::k_segment_magic) return drop(fd);
    auto cred = credentials_of(fd);
    if (!cred) return drop(fd);
    if (req.version != shm::k_protocol_version) {
        SHUNT_LOG_WARN("app pid %d speaks protocol %u, not %u: refused", cred->pid, req.version,
                       shm::k_protocol_version);
        reply_error(fd, EPROTO);
        return drop(fd);
    }
    if (!allowed(fd)) {
        SHUNT_LOG_WARN("app pid %d uid %u refused by the control socket's policy", cred->pid, cred->uid);
        reply_error(fd, EACCES);
        return drop(fd);
    }
    if (attached_.size() >= cfg_.max_apps) {
        SHUNT_LOG_WARN("app pid %d refused: %zu apps attached (max-apps)", cred->pid, attached_.size());
        reply_error(fd, EMFILE);
        return drop(fd);
    }
    // Root aside, no user takes more than their share of the sessions.
    if (cred->uid != 0) {
        const auto theirs = static_cast<unsigned>(
            std::count_if(attached_.begin(), attached_.end(), [&](const auto& a) { return a.second.uid == cred->uid; }));
        if (theirs >= cfg_.max_apps_per_user) {
            SHUNT_LOG_WARN("app pid %d uid %u refused: the user has %u apps attached (max-apps-per-user)", cred->pid,
                           cred->uid, theirs);
            reply_error(fd, EMFILE);
            return drop(fd);
        }
    }
    const std::uint64_t id = next_session_++;
    const auto g = shm::make_geometry(cfg_.app_sockets, cfg_.socket_buffer, k_call_slots);
    auto seg = app_segment::create(g, id, routes_);
    if (!seg) {
        SHUNT_LOG_ERROR("app pid %d: %s", cred->pid, seg.err().describe().c_str());
        reply_error(fd, seg.err().code);
        return drop(fd);
    }
    const int worker_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (worker_fd < 0) {
        reply_error(fd, errno);
        return drop(fd);
    }
    shm::attach_reply r{shm::k_segment_magic, shm::k_protocol_version, 0, g.size, id};
    if (shm::send_with_fd(fd, &r, sizeof r, seg->memfd(), MSG_DONTWAIT) != 0) {
        close(worker_fd);
        return drop(fd);
    }
    const uid_t who_uid = cred->uid;
    app_identity who{id, cred->pid, cred->uid, cred->gid, std::time(nullptr)};
    session_limits lim{cfg_.app_sockets, std::uint64_t{cfg_.app_memory_mb} << 20, unprivileged_port_start_,
                       stack_memory_.for_app(who.uid)};
    SHUNT_LOG_INFO("app pid %d uid %u attached (session %llu)", who.pid, who.uid, static_cast<unsigned long long>(id));
    // Its command line is read off this lcore, and logged when read.
    cmdline_reader::request(id, who.pid);
    host_.adopt(std::make_unique<session>(std::move(who), std::move(*seg), worker_fd, lim));
    // From now on only hang-ups matter here; the worker reads the connection.
    epoll_event ev{};
    ev.events = EPOLLRDHUP;
    ev.data.fd = fd;
    epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev);
    pending_.erase(fd);
    attached_[fd] = attached_app{id, who_uid};
}

void control_server::on_attached_hangup(int fd) {
    cmdline_reader::forget(attached_[fd].session);
    host_.detach(attached_[fd].session);
    drop(fd);
}

}  // namespace shunt::daemon
