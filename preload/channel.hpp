// The app's end of the shm channel: attaching to shuntd, the mapped segment,
// calls (command + completion through a call slot) and doorbells.
//
// One channel per process, created on the first socket that the policy would
// accelerate. If no daemon answers, the channel stays "absent" and every
// socket stays on the kernel (one log line, no error). A forked child
// attaches on its own: its first new socket opens a channel (a session of
// its own in shuntd, listed under its pid), while the sockets it inherited
// keep working through its parent's channel, still mapped and connected in
// the child (each accel_socket names its channel). Up to k_max_inherited
// generations are kept apart this way; beyond, a child shares its parent's.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>

#include "base/result.hpp"
#include "shm/segment.hpp"

namespace shunt::preload {

// shunt's own fds live high (below 1024 and the fd limit), out of the way of
// the low numbers an app assumes are free (e.g. dup2 onto fd 5 in spawn file
// actions). Returns the new fd (the old one closed, close-on-exec), or fd if
// none is free.
int move_high(int fd);

class channel {
public:
    // The process's channel, attaching on first use; nullptr when no daemon
    // is reachable (then everything goes to the kernel).
    static channel* get();
    // Without attaching: the channel if one exists.
    static channel* existing();
    // Channels inherited across fork, oldest first (n of them).
    static constexpr int k_max_inherited = 3;
    static int inherited(channel* out[k_max_inherited]);
    // In a forked child: the parent's channel serves only what was inherited;
    // the next new socket attaches this process on its own.
    static void after_fork_child();

    const shm::segment_view& view() const { return view_; }
    const shm::segment_header& header() const { return *view_.header(); }

    // Runs one call: claims a slot, passes `fd_to_send` (if >= 0, and
    // `fd2` after it if >= 0) tagged with the call, posts cmd and sleeps
    // until the daemon completes it. Returns the completion; result < 0 is
    // -errno. -ECONNRESET if the daemon is gone. `creds`: with this
    // process's credentials as they are now (its pid, effective uid and
    // gid: SCM_CREDENTIALS), with the fds or alone, for the calls where
    // shuntd checks them (an open: the new socket's owner; a bind: its
    // privilege, daemon/peer_privilege.hpp). Other messages carry what the
    // kernel attaches (shuntd sets SO_PASSCRED): the pid and real ids.
    shm::completion call(shm::command cmd, int fd_to_send = -1, int fd2 = -1, bool creds = false);
    // A doorbell (tx_ready, rx_space, ...) for socket id.
    void ring(shm::ring_kind k, std::uint32_t sock);
    // A doorbell that may wait: pushed if the ring has room (false if not),
    // never waking a sleeping worker (it finds it when it next wakes; the
    // sleep announcement stays for the next producer that must wake it).
    bool hint(shm::ring_kind k, std::uint32_t sock);
    // Whether shuntd's worker announced a sleep on the command ring, so that
    // a doorbell now would cost a wake-up message (a relaxed load: a hint).
    bool worker_asleep() const { return view_.ring()->consumer_asleep.load(std::memory_order_relaxed) != 0; }
    // This process's holder in the channel's session (daemon/socket_holders.hpp):
    // 0 for the process that attached, until its first fork. Every call names it.
    std::uint32_t holder() const { return holder_.load(std::memory_order_relaxed); }
    void set_holder(std::uint32_t h) { holder_.store(h, std::memory_order_relaxed); }
    // The process's holder pair (preload/fork_holders.hpp), -1 before its
    // first fork: the end it keeps (shuntd sees the process gone when every
    // copy is closed) and shuntd's end, kept to give to another session.
    // Both are shunt's own fds, as the channels' are.
    static int holder_keep_fd();
    static int holder_daemon_fd();
    static void set_holder_fds(int keep, int daemon_end);
    // The sockets of this channel this process holds: attach_socket adds
    // one, op_release takes it back. An inherited channel this process holds
    // nothing of any more is let go (issue 20, item 5): its segment is
    // unmapped and its fds closed, so a child that closed its parent's
    // sockets (closefrom, then a privilege drop) keeps no way into them.
    void socket_added() { sockets_.fetch_add(1, std::memory_order_relaxed); }
    void socket_removed();
    // SHUNT_SPIN_US: how long a blocking call spins before sleeping in the kernel.
    unsigned spin_us() const { return spin_us_; }
    // Is the daemon still there? (a zero-timeout poll of the control socket;
    // once it says no, dead() says so too)
    bool daemon_alive() const;
    // shuntd was found gone (a relaxed load: cheap enough for every send).
    bool dead() const { return dead_.load(std::memory_order_relaxed); }
    // shuntd is gone: from now on get() answers nullptr, so new sockets stay
    // on the kernel; sockets already accelerated fail (ECONNRESET, EPIPE).
    static void forget_dead();

    // For a handover across exec (preload/exec_handover.cpp): the control
    // socket and the segment's memfd (both close-on-exec unless handed over).
    int control_fd() const { return ctl_; }
    int segment_fd() const { return seg_fd_; }
    std::uint64_t segment_size() const { return view_.geometry().size; }
    // shunt's own fds (control socket, segment memfd) outlive an app that
    // closes or dup2s over fds it never opened (close-all loops, closefrom):
    // the fd this process's channel holds at `fd` moves to another number
    // (the lowest free one from 3), and the old number is closed. true if
    // `fd` was one of shunt's.
    static bool move_own_fd(int fd);
    // Calls f(fd) for each of shunt's own fds.
    template <typename F>
    static void for_each_own_fd(F&& f);

    // A channel of the new image, from the fds the previous image handed over
    // (`current`: the one new sockets use, else an inherited one), this
    // process being `holder` in its session; nullptr (fds untouched) if
    // they do not hold a valid segment.
    static channel* adopt(int ctl, int seg, std::uint64_t size, bool current, std::uint32_t holder);


private:
    channel() = default;
    // The channel whether or not shuntd is still alive (its fds are still ours).
    static channel* any();
    // shunt_own_fds (the syscall hook's copy) from every channel's fds.
    static void publish_own_fds();
    bool attach();
    // Maps and checks the segment; false (nothing mapped) if it is not one.
    bool map_segment(int memfd, std::uint64_t size);

    int ctl_ = -1;
    int seg_fd_ = -1;
    shm::segment_view view_;
    unsigned spin_us_ = 0;
    std::atomic<std::uint32_t> next_slot_{0};
    std::atomic<std::uint32_t> holder_{0};
    std::atomic<int> sockets_{0};
    mutable std::atomic<bool> dead_{false};
};

template <typename F>
void channel::for_each_own_fd(F&& f) {
    channel* all[k_max_inherited + 1];
    int n = inherited(all);
    if (channel* c = any()) all[n++] = c;
    for (int i = 0; i < n; ++i) {
        if (all[i]->ctl_ >= 0) f(all[i]->ctl_);
        if (all[i]->seg_fd_ >= 0) f(all[i]->seg_fd_);
    }
    if (holder_keep_fd() >= 0) f(holder_keep_fd());
    if (holder_daemon_fd() >= 0) f(holder_daemon_fd());
}

}  // namespace shunt::preload
