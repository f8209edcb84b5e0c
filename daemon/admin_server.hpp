// shuntd's admin socket, served on the main lcore (never on a worker).
// Protocol: the client sends one request line ("status", "stats", ...), the
// daemon answers with one JSON document and a newline, then closes. A
// streaming request ("capture ...") is handed, with its connection, to the
// stream handler, which answers for as long as the client stays.
// Access: the socket's owner/group/mode (config) and, per connection,
// SO_PEERCRED: root, the daemon's user, the socket owner, or a member of the
// socket group. Others get {"error":"permission denied"}.
#pragma once

#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "daemon/config.hpp"
#include "daemon/unix_listener.hpp"

namespace shunt::daemon {

class admin_server {
public:
    using handler = std::function<std::string(const std::string& request)>;
    // Takes the (non-blocking) connection of a streaming request and returns
    // true, or returns false (the request is then an ordinary one).
    using stream_handler = std::function<bool(int fd, const std::string& request)>;

    [[nodiscard]] static result<std::unique_ptr<admin_server>> open(const daemon_config& cfg,
                                                                    handler h);
    ~admin_server();

    // An epoll fd that becomes readable when service() has work.
    int poll_fd() const { return epfd_; }
    // Accepts, reads and answers without blocking.
    void service();
    // Drops clients that have not finished their exchange in k_client_seconds
    // (one that connects and never asks, or never reads its answer, holds
    // one of the few client places): call it every main-loop turn.
    void expire();
    static constexpr int k_client_seconds = 5;
    void set_stream_handler(stream_handler h) { stream_ = std::move(h); }

private:
    struct client {
        std::time_t since = 0;
        std::string in, out;
        bool replied = false;
        bool denied = false;  // answered with "permission denied" once it asks
    };
    admin_server(unix_listener l, handler h, const daemon_config& cfg);
    void accept_clients();
    void on_client(int fd, unsigned events);
    void drop(int fd);
    bool allowed(int fd) const;

    unix_listener listener_;
    handler handler_;
    stream_handler stream_;
    std::optional<uid_t> owner_;
    std::optional<gid_t> group_;
    int epfd_ = -1;
    std::map<int, client> clients_;
};

}  // namespace shunt::daemon
