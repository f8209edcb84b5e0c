// One attached app process, on the worker that serves it: its segment, its
// control connection (for the notify fds it passes), and its sockets.
//
//   app threads                       worker (session::poll / flush)
//   -----------                       ------------------------------
//   call slot: cmd, state=posted
//   command ring: push(call, slot) --> pop, copy cmd out, validate, execute,
//                                      cpl, state=done (release), FUTEX_WAKE
//   send ring bytes, tx_ready      --> tcp_pull_tx
//                                      tcp_push_rx -> receive ring
//   notify fd (kernel readiness)  <--  flush(): once per loop, per changed socket
//
// Everything read from the segment is untrusted (DESIGN.md "The app is
// untrusted"): an impossible value ends this session (fail()) with a logged
// reason and never touches another session's memory.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstdint>
#include <ctime>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "daemon/app_segment.hpp"
#include "daemon/fd_reaper.hpp"
#include "daemon/socket_holders.hpp"
#include "daemon/stack_memory.hpp"
#include "daemon/tcp_socket.hpp"
#include "daemon/wake_set.hpp"

namespace shunt::daemon {

struct app_identity {
    std::uint64_t id = 0;
    pid_t pid = 0;
    uid_t uid = 0;
    gid_t gid = 0;
    std::time_t attached = 0;  // its command line: daemon/cmdline_reader.hpp
};

struct session_limits {
    std::uint32_t max_sockets = 0;
    std::uint64_t max_memory = 0;  // bytes of socket rings in use
    std::uint16_t unprivileged_port_start = 1024;
    // Its budget of lwIP's heap, and its user's (daemon/stack_memory.hpp);
    // none: an account without a cap.
    std::shared_ptr<stack_memory_account> stack_memory;
};

struct session_report {
    app_identity who;
    std::uint32_t sockets = 0;
    std::uint64_t segment_bytes = 0;
    // As the app reports them (untrusted, shown only).
    bool syscall_hook = false;
    std::uint32_t syscall_patched = 0, syscall_skipped = 0;
    // Readabilities the app left to the worker to clear (clear_rx) and the
    // worker cleared: each is a system call the app did not make.
    std::uint64_t rx_clears = 0;
    // Its lwIP heap (daemon/stack_memory.hpp): held now, its cap (0: none),
    // segments dropped and sends stopped for it; its user's, held now.
    std::uint64_t stack_bytes = 0, stack_limit = 0, stack_drops = 0, stack_stalls = 0;
    std::uint64_t user_stack_bytes = 0;
};

// An fd's kind, asked of the kernel (getsockopt: never waits, whatever the fd).
bool is_stream_unix_socket(int fd);
bool is_inet_udp_socket(int fd);

class session {
public:
    session(app_identity who, app_segment seg, int ctl_fd, session_limits limits);
    ~session();  // resets every connection and frees everything
    session(const session&) = delete;
    session& operator=(const session&) = delete;

    // Serves at most `budget` command-ring entries, adding the number served
    // to *served. false: the session has failed (see failure()) and must be destroyed.
    [[nodiscard]] bool poll(unsigned budget, unsigned* served);
    // Applies the loop's readiness changes to the notify fds.
    void flush();

    // The worker's sleep (daemon/wake_set.hpp): the session's control socket
    // (wake messages) and its kernel UDP sockets join `w` under `tag`; `w`
    // must outlive the session (it removes them when it ends).
    void watch(wake_set& w, std::uint64_t tag);
    // Before the worker sleeps: false if this session has work now (the
    // worker must not sleep); sleep_end() follows either way.
    [[nodiscard]] bool sleep_begin();
    void sleep_end();
    // After a wake-up by this session: lets go of what processes that are
    // gone held (reap_holders), and reads the wake messages at the head of
    // the control socket (an fd message stays for take_fd).
    void on_wake();
    // Periodic check (every publish period) that the parts of the segment
    // the app must never write still hold what the daemon put there: the
    // header, and a command ring whose producers are at most one ring ahead;
    // also lets go of what processes that are gone held (reap_holders).
    // false: the session has failed.
    [[nodiscard]] bool audit();

    // The app hung up (exit, kill -9): its open connections are reset and
    // its pending fds dropped; sockets it had already closed keep draining
    // their send rings (the kernel too finishes a close after the process
    // exits). The session is destroyed once idle() or after a deadline.
    void detach();
    bool detached() const { return detached_; }
    bool idle() const { return in_use_ == 0; }
    std::uint64_t drain_deadline_ns = 0;  // the worker's, for a detached session

    const app_identity& who() const { return who_; }
    const std::string& failure() const { return failure_; }
    session_report report() const;
    // Appends a line per socket for `shuntctl sockets` (closing ones included).
    void describe_sockets(std::vector<socket_report>& out) const;

    // For the sockets (tcp_socket.cpp, udp_socket.cpp).
    engine_socket* alloc_socket();  // nullptr when at the app's limits
    bool can_alloc_socket() const;  // alloc_socket would not be nullptr
    void free_socket(engine_socket& s);
    void mark(engine_socket& s, std::uint8_t bits);
    void fail(std::string why);
    engine_socket* socket_by_id(std::uint32_t id) const;
    stack_memory_account& stack_memory() { return *limits_.stack_memory; }
    std::shared_ptr<stack_memory_account> stack_memory_share() const { return limits_.stack_memory; }
    // A TCP socket whose send stopped at the budget: pulled again once the
    // account has room (the next loop that finds it so).
    void wait_for_stack_memory(engine_socket& s);

private:
    void on_call(std::uint32_t slot);
    void execute(const shm::command& c, shm::completion& r);
    void execute_udp(const shm::command& c, engine_socket& s, shm::completion& r, const ucred& caller);
    // Privileged ports (below the sysctl) need the caller's CAP_NET_BIND_SERVICE
    // now (daemon/peer_privilege.hpp); `caller`: the bind's credentials message.
    bool may_bind(std::uint16_t port_be, const ucred& caller) const;
    void reset_socket(engine_socket& s);
    // The app's close, once nobody holds the socket: TCP keeps sending what
    // it holds, then the FIN (abort: RST); UDP goes at once.
    void close_socket(engine_socket& s, bool abort);
    void hold(const shm::command& c, shm::completion& r);
    // Sockets of processes that died without closing them close now, as the
    // kernel closes a process's files at its exit.
    void reap_holders();
    void drain_control();
    void retry_tx();
    void retry_stack_memory_waiters();
    void on_doorbell(shm::ring_kind k, std::uint32_t id);
    // The fds an fd_message passed (shm/protocol.hpp): the daemon's end of a
    // notify pair (or a kernel socket) first, the app's end second (-1 if none).
    struct passed_fds {
        int first = -1, second = -1;
        bool lost = false;  // the app sent them; shuntd, at its fd limit, could not receive them
        ucred cred{0, 0, 0};  // the sender's, checked by the kernel (SCM_CREDENTIALS); pid 0: none
        bool refused = false;  // an fd of a kind no call takes came, and was closed on arrival
        unsigned audits = 0;   // audits it has waited through unclaimed
        // Of a kind not checked yet: closed off the lcore (fd_reaper).
        void close_all() {
            fd_reaper::close_later(first);
            fd_reaper::close_later(second);
            first = second = -1;
        }
    };
    passed_fds take_fds(std::uint64_t tag);
    // Reads one message of the control connection: a wake message (dropped)
    // or an fd message, kept in fds_ under its tag. Only fds a call can take
    // (AF_UNIX stream sockets, IPv4 UDP sockets) are kept; any other (the
    // control socket itself, which queued here would keep the app's end of
    // the connection open after the app is gone) is closed at once. false:
    // nothing to read now, or the session failed.
    bool read_control_message();
    // Unclaimed fd messages older than a few seconds go (a call claims its
    // message at once): none of them keeps a file open for long.
    void expire_unclaimed();
    engine_socket* live_socket(std::uint32_t id) const;
    bool has_readable(engine_socket& s) const;
    void signal_readable(engine_socket& s, bool new_edge);
    void clear_left_readable(engine_socket& s);
    void unblock_writable(engine_socket& s);
    void attach_kernel_socket(const shm::command& c, shm::completion& r);
    void detach_kernel_socket(engine_socket& s);
    void pump_kernel_sockets();

    app_identity who_;
    app_segment seg_;
    shm::segment_header header_copy_;  // as written at attach
    int ctl_fd_;
    session_limits limits_;
    shm::index_ring_consumer ring_;
    std::vector<std::unique_ptr<engine_socket>> sockets_;
    std::vector<std::uint32_t> free_ids_;
    std::uint32_t in_use_ = 0;
    std::unordered_map<std::uint64_t, passed_fds> fds_;  // notify fds received, by tag
    socket_holders holders_;
    bool holders_watched_ = false;  // holders_' epoll set is in wake_
    std::uint64_t cleared_for_app_ = 0;  // readabilities the app left to the worker and it cleared
    std::vector<std::uint32_t> flush_list_;
    std::vector<std::uint32_t> tx_retry_;  // UDP sockets to pull again next loop
    std::vector<std::uint32_t> stack_memory_waiters_;  // TCP sockets whose send stopped at the budget
    // UDP sockets on 0.0.0.0 on both stacks: an epoll set of the apps' kernel
    // sockets (created with the first), polled without waiting every loop.
    int kernel_ep_ = -1;
    std::uint32_t kernel_sockets_ = 0;
    std::vector<char> kernel_buf_;
    std::string failure_;
    bool detached_ = false;
    wake_set* wake_ = nullptr;  // the worker's, once adopted
    std::uint64_t wake_tag_ = 0;
};

}  // namespace shunt::daemon
