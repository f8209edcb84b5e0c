// Which processes hold each socket of a session, so that a process that
// dies without closing (kill -9) lets go of its sockets as the kernel's
// exit closes its files (issue 20, item 8).
//
// A holder is one process (or, after a failed fork preparation, several
// that share one). Before its first fork, the process that attached is
// holder 0 (k_attacher), whose life is the control connection's: the
// session ends with it. A fork gives the child a holder of its own (and,
// at the attacher's first fork, the attacher too): libshunt creates a
// socketpair per process, keeps one end and passes the other here; when
// every copy of the kept end is closed (the process and whatever it
// handed the fd to are gone), this end hangs up and the holder goes.
//
//   app (counted_fork)                         worker (session)
//   socketpair(child), socketpair(self)?
//   op::hold, fds: child's, own? ------------> fork(): new holder = caller's
//                                              sockets, counted once more
//   fork(); the child keeps its end,
//   the parent closes it
//   ...
//   child exits or is killed   -------------> hang-up: reap(): each socket
//                                              nobody holds any more closes
//
// Every id and count comes from the app (untrusted): an unknown holder or
// socket is refused, never a crash; each holder counts at most once per
// fork, so a process can release only what it (or its sharers) took.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>


namespace shunt::daemon {

class socket_holders {
public:
    static constexpr std::uint32_t k_attacher = 0;
    // Holders alive at once per session (each holds an fd in shuntd).
    static constexpr std::uint32_t k_max_holders = 4096;

    explicit socket_holders(std::uint32_t max_sockets, std::uint32_t max_holders = k_max_holders);
    ~socket_holders();  // closes every holder's fd and the epoll set
    socket_holders(const socket_holders&) = delete;
    socket_holders& operator=(const socket_holders&) = delete;

    // The holder a call names, as this session knows it: the attacher's old
    // id after its first fork means its own holder. nullopt: no such holder.
    [[nodiscard]] std::optional<std::uint32_t> resolve(std::uint32_t holder) const;
    // A new socket (open, accept), held once by `holder` (resolved).
    void opened(std::uint32_t sock, std::uint32_t holder);
    // `holder` (resolved) lets go of `sock` once: true when nobody holds it
    // any more (the socket closes). false also when `holder` did not hold it.
    [[nodiscard]] bool release(std::uint32_t sock, std::uint32_t holder);

    struct fork_ids {
        std::uint32_t child = 0;   // the new process's holder
        std::uint32_t caller = 0;  // the caller's from now on
    };
    // A process (`holder`, resolved) forks. `child_fd`: the daemon's end of
    // the child's pair. `own_fd`: the caller's, when it is still the
    // attacher (its sockets move to a holder of its own); -1 otherwise. The
    // fds are taken (kept, or closed). With no child_fd, or k_max_holders
    // alive (max_holders), the child shares the caller's holder (child == caller: each
    // socket counted once more, and the child must keep the caller's end).
    [[nodiscard]] fork_ids fork(std::uint32_t holder, int child_fd, int own_fd);

    // The epoll set of the holders' fds (-1 before the first fork): readable
    // when a holder's process is gone.
    int poll_fd() const { return ep_; }
    // Holders whose processes are gone: each goes, and closed(sock) runs for
    // every socket nobody holds any more. Never waits.
    template <typename F>
    void reap(F&& closed) {
        for (std::uint32_t h : gone_holders())
            for (std::uint32_t sock : drop_holder(h)) closed(sock);
    }

    std::uint32_t holders() const { return live_; }  // besides the attacher

private:
    struct ref {
        std::uint32_t holder;
        std::uint32_t count;
    };
    std::vector<std::uint32_t> gone_holders();
    // Removes holder h everywhere; the sockets nobody holds any more.
    std::vector<std::uint32_t> drop_holder(std::uint32_t h);
    std::optional<std::uint32_t> add_holder(int fd);  // nullopt: table full, or the epoll set failed

    std::vector<std::vector<ref>> refs_;  // by socket id
    std::vector<int> fds_;                // by holder id; -1: free (0 is the attacher, no fd)
    std::vector<std::uint32_t> free_ids_;
    std::uint32_t max_holders_;
    std::uint32_t live_ = 0;
    std::uint32_t attacher_moved_to_ = k_attacher;  // the attacher's own holder after its first fork
    int ep_ = -1;
};

}  // namespace shunt::daemon
