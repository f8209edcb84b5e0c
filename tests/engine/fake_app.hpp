// A test double for an app process on the engine's other side: it owns a
// session (the daemon's state for one app) over a real segment, and plays
// the app's half of the channel protocol by hand — call slots, doorbells,
// ring bytes, notify fds — the way libshunt does (preload/channel.cpp,
// preload/socket_ops.cpp), without a daemon process or DPDK. lwIP runs in
// this process; sockets talk to each other over its loopback netif
// (127.0.0.1), which pump() drives as the worker loop would.
#pragma once

#include <sys/socket.h>

#include <memory>
#include <string>

#include "daemon/session.hpp"
#include "shm/protocol.hpp"
#include "shm/segment.hpp"

namespace shunt::test {

class fake_app {
public:
    struct options {
        std::uint32_t max_sockets = 8;
        std::uint32_t ring_bytes = 16384;
        std::uint32_t call_slots = 8;
        std::uint64_t max_memory = 0;
        // Its account of lwIP's heap (daemon/stack_memory.hpp); none: one
        // without a cap.
        std::shared_ptr<daemon::stack_memory_account> stack_memory;
        uid_t uid = 0;
        // The process whose capabilities a privileged bind is checked
        // against (the credentials the fake app sends, as libshunt sends
        // its own; this root test may claim any): 0, this process.
        pid_t cred_pid = 0;
        // Hand shuntd the app's end of each notify pair too, as libshunt
        // does (the worker's clear_rx); false: the daemon's end alone.
        bool send_app_end = true;
    };
    fake_app() : fake_app(options{}) {}
    explicit fake_app(const options& o);
    ~fake_app();

    daemon::session& daemon() { return *session_; }
    const shm::segment_view& view() const { return view_; }
    bool alive() const { return alive_; }        // the session has not failed
    const std::string& failure() const { return session_->failure(); }

    // One worker loop iteration, `n` times: the command ring, lwIP's
    // loopback and timers, the readiness flush, the audit.
    void pump(int n = 1);
    // Pumps until pred() or `seconds` pass (lwIP's retransmission timers
    // run on the real clock); returns pred().
    template <typename P>
    bool pump_until(P pred, double seconds = 5.0) {
        const double end = now() + seconds;
        while (alive_ && now() < end) {
            if (pred()) return true;
            pump();
        }
        return pred();
    }
    static double now();

    // A call as libshunt makes it: returns the completion (result < 0: -errno).
    // `give_away`: the fds are closed here once sent (in flight, shuntd's
    // copy is then their last).
    // `creds`: a credentials message even without fds (a bind's).
    shm::completion call(shm::command c, int fd_to_send = -1, int fd2 = -1, bool give_away = false,
                         bool creds = false);
    // open (SOCK_STREAM or SOCK_DGRAM): the socket id and the app's notify fd.
    struct opened {
        std::int64_t result;
        std::uint32_t id;
        int notify;  // the app's end (-1 on failure)
    };
    opened open(int type);
    opened accept(std::uint32_t listener);
    std::int64_t bind(std::uint32_t id, const char* ip, std::uint16_t port);
    std::int64_t listen(std::uint32_t id, int backlog = 16);
    std::int64_t connect(std::uint32_t id, const char* ip, std::uint16_t port);
    std::int64_t close(std::uint32_t id);
    // getsockopt: the option's value, or -errno.
    std::int64_t getopt(std::uint32_t id, int level, int name);
    // setsockopt of an int option: 0 or -errno.
    std::int64_t setopt(std::uint32_t id, int level, int name, int value);

    // Bytes through a socket's rings, with the doorbells libshunt rings.
    std::size_t send(std::uint32_t id, const void* data, std::size_t n);
    std::string recv(std::uint32_t id, std::size_t max = 1 << 20);
    std::uint32_t status(std::uint32_t id) const;
    void ring(shm::ring_kind k, std::uint32_t id);
    // Wake messages ring() sent (the session had announced a sleep).
    unsigned wakes_sent() const { return wakes_sent_; }
    // The app's end of the control connection (tests send odd messages on it).
    int control_fd() const { return ctl_app_; }
    // shuntd's end (the session's; valid while it lives): where the main
    // lcore would see the app hang up.
    int daemon_control_fd() const { return ctl_daemon_; }
    // The app exits: its end of the control connection closes.
    void hang_up() {
        if (ctl_app_ >= 0) ::close(ctl_app_);
        ctl_app_ = -1;
    }

private:
    std::unique_ptr<daemon::session> session_;
    shm::segment_view view_;
    int ctl_app_ = -1;  // the app's end of the control connection
    int ctl_daemon_ = -1;
    std::uint32_t next_slot_ = 0;
    bool alive_ = true;
    unsigned wakes_sent_ = 0;
    bool send_app_end_ = true;
    ucred cred_{};
};

// lwIP is initialised once per process (its state is global).
void lwip_once();

}  // namespace shunt::test
