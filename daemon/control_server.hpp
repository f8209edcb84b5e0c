// shuntd's control socket, served on the main lcore: apps attach here.
//
//   app                               main lcore                    worker
//   connect(control.sock) ----------> accept, SO_PEERCRED policy
//   attach_request ------------------> create + seal segment memfd
//            <-------------------- attach_reply + memfd (SCM_RIGHTS)
//                                     session -------- adopt() ---> serves it
//   ... the connection stays open for the app's life ...
//   hang-up (exit, kill -9) --------> EPOLLRDHUP: detach() -------> resets its
//                                                                   connections, frees all
//
// The main lcore never reads from an attached connection again: the worker
// takes the notify fds the app passes on it (MSG_DONTWAIT). The main lcore
// only watches it for hang-up (EPOLLRDHUP, never EPOLLIN).
#pragma once

#include <cstdint>
#include <ctime>
#include <map>
#include <memory>
#include <vector>

#include <sys/types.h>

#include "daemon/config.hpp"
#include "daemon/session_host.hpp"
#include "daemon/stack_memory.hpp"
#include "daemon/unix_listener.hpp"
#include "shm/segment.hpp"

namespace shunt::daemon {

class control_server {
public:
    [[nodiscard]] static result<std::unique_ptr<control_server>> open(const daemon_config& cfg, session_host& host,
                                                                      std::vector<shm::served_route> routes);
    ~control_server();

    int poll_fd() const { return epfd_; }
    void service();
    // Drops connections that have not asked to attach within a few seconds:
    // call it every main-loop turn (not only when the socket has events).
    void expire();
    std::size_t attached() const { return attached_.size(); }

private:
    struct pending_client {
        std::time_t since = 0;
        uid_t uid = 0;
    };
    struct attached_app {
        std::uint64_t session = 0;
        uid_t uid = 0;
    };
    control_server(unix_listener l, const daemon_config& cfg, session_host& host, std::vector<shm::served_route> routes);
    void accept_clients();
    void on_pending(int fd);
    void on_attached_hangup(int fd);
    void drop(int fd);
    [[nodiscard]] bool allowed(int fd) const;

    unix_listener listener_;
    const daemon_config& cfg_;
    session_host& host_;  // the worker
    std::vector<shm::served_route> routes_;
    int epfd_ = -1;
    std::map<int, pending_client> pending_;      // connected, attach not yet requested
    std::map<int, attached_app> attached_;       // fd -> its session
    std::uint64_t next_session_ = 1;
    std::uint16_t unprivileged_port_start_ = 1024;
    stack_memory_registry stack_memory_;  // each app's budget of lwIP's heap, and its user's
};

}  // namespace shunt::daemon
