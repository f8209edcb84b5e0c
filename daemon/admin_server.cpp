#include "daemon/admin_server.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/json_writer.hpp"
#include "base/log.hpp"

namespace shunt::daemon {
namespace {

constexpr std::size_t k_max_request = 4096;
constexpr std::size_t k_max_clients = 64;

std::string error_reply(const std::string& msg) {
    json_writer w;
    w.begin_object().field("error", msg).end_object();
    return w.str() + "\n";
}

}  // namespace

admin_server::admin_server(unix_listener l, handler h, const daemon_config& cfg)
    : listener_(std::move(l)), handler_(std::move(h)), owner_(cfg.admin_owner), group_(cfg.admin_group) {}

result<std::unique_ptr<admin_server>> admin_server::open(const daemon_config& cfg, handler h) {
    auto l = unix_listener::open(cfg.admin_path, cfg.admin_mode, cfg.admin_owner, cfg.admin_group);
    if (!l) return l.err();
    std::unique_ptr<admin_server> s(new admin_server(std::move(*l), std::move(h), cfg));
    auto ep = s->listener_.make_epoll();
    if (!ep) return ep.err();
    s->epfd_ = *ep;
    return s;
}

admin_server::~admin_server() {
    for (auto& [fd, c] : clients_) close(fd);
    if (epfd_ >= 0) close(epfd_);
}

bool admin_server::allowed(int fd) const { return peer_permitted(fd, owner_, group_, false); }

void admin_server::service() {
    epoll_event evs[16];
    const int n = epoll_wait(epfd_, evs, 16, 0);
    for (int i = 0; i < n; ++i) {
        if (evs[i].data.fd == listener_.fd()) accept_clients();
        else on_client(evs[i].data.fd, evs[i].events);
    }
}

void admin_server::accept_clients() {
    for (;;) {
        int fd = listener_.accept_client();
        if (fd < 0) return;
        if (clients_.size() >= k_max_clients) {
            close(fd);
            continue;
        }
        client c;
        c.since = std::time(nullptr);
        if (!allowed(fd)) {
            auto cred = credentials_of(fd);
            SHUNT_LOG_WARN("admin: refused uid %u pid %d", cred ? cred->uid : 0u, cred ? cred->pid : 0);
            c.denied = true;  // still read the request, so the client sees the reply
        }
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.fd = fd;
        if (epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
            close(fd);
            continue;
        }
        clients_.emplace(fd, std::move(c));
    }
}

void admin_server::on_client(int fd, unsigned events) {
    auto it = clients_.find(fd);
    if (it == clients_.end()) return;
    client& c = it->second;
    if (!c.replied && (events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
        char buf[1024];
        for (;;) {
            ssize_t r = read(fd, buf, sizeof buf);
            if (r > 0) {
                c.in.append(buf, static_cast<std::size_t>(r));
                if (c.in.size() > k_max_request) {
                    c.out = error_reply("request too long");
                    c.replied = true;
                    break;
                }
                continue;
            }
            if (r == 0 && c.in.find('\n') == std::string::npos) {
                // Peer closed without a full line: treat what came as the request.
                if (c.in.empty()) return drop(fd);
                c.in += '\n';
            }
            break;
        }
        if (!c.replied) {
            const auto nl = c.in.find('\n');
            if (nl == std::string::npos) return;  // wait for more
            std::string req = c.in.substr(0, nl);
            if (!req.empty() && req.back() == '\r') req.pop_back();
            if (!c.denied && stream_) {
                // The stream handler may take the connection: it is no longer ours.
                epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
                if (stream_(fd, req)) {
                    clients_.erase(fd);
                    return;
                }
                epoll_event back{};
                back.events = EPOLLIN;
                back.data.fd = fd;
                epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &back);
            }
            c.out = c.denied ? error_reply("permission denied") : handler_(req);
            if (c.out.empty() || c.out.back() != '\n') c.out += '\n';
            c.replied = true;
        }
        epoll_event ev{};
        ev.events = EPOLLOUT;
        ev.data.fd = fd;
        epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev);
    }
    if (c.replied) {
        while (!c.out.empty()) {
            ssize_t w = send(fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
            if (w > 0) {
                c.out.erase(0, static_cast<std::size_t>(w));
                continue;
            }
            if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
            break;  // peer gone
        }
        drop(fd);
    }
}

void admin_server::expire() {
    const std::time_t now = std::time(nullptr);
    for (auto it = clients_.begin(); it != clients_.end();) {
        const int fd = it->first;
        const bool stale = now - it->second.since > k_client_seconds;
        ++it;
        if (stale) drop(fd);
    }
}

void admin_server::drop(int fd) {
    epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
    close(fd);
    clients_.erase(fd);
}

}  // namespace shunt::daemon
