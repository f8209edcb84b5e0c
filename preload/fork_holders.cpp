#include "preload/fork_holders.hpp"

#include <sched.h>
#include <sys/socket.h>

#include <new>
#include <shared_mutex>

#include "shm/protocol.hpp"
#include "shm/sys.hpp"

namespace shunt::preload::fork_holders {
namespace {

std::shared_mutex g_fork_lock;

// A pair of shunt's own fds, placed high and close-on-exec; false if none.
bool make_pair(int* keep, int* daemon_end) {
    int p[2];
    if (shm::sys::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) < 0) return false;
    *keep = move_high(p[0]);
    *daemon_end = move_high(p[1]);
    return true;
}

void close_fd(int fd) {
    if (fd >= 0) shm::sys::close(fd);
}

}  // namespace

child_part prepare() {
    child_part c;
    channel* all[channel::k_max_inherited + 1];
    int n = channel::inherited(all);
    if (channel* cur = channel::existing()) all[n++] = cur;
    for (int i = 0; i < n; ++i)
        if (!all[i]->dead()) c.chans[c.n++] = all[i];
    if (c.n == 0) return c;
    bool attacher = false;
    for (int i = 0; i < c.n; ++i) attacher = attacher || c.chans[i]->holder() == 0;
    // The process's own pair, made at its first fork while it still is the
    // attacher of a session (holder 0).
    if (attacher && channel::holder_keep_fd() < 0) {
        int keep, daemon_end;
        if (make_pair(&keep, &daemon_end)) channel::set_holder_fds(keep, daemon_end);
    }
    if (!make_pair(&c.keep, &c.daemon_end)) {
        c.keep = c.daemon_end = -1;  // the child shares this process's holders
        for (int i = 0; i < c.n; ++i) c.ids[i] = c.chans[i]->holder();
        c.shares = true;
        return c;
    }
    for (int i = 0; i < c.n; ++i) {
        channel* ch = c.chans[i];
        shm::command cmd{};
        cmd.opcode = static_cast<std::uint32_t>(shm::op::hold);
        const bool own = ch->holder() == 0 && channel::holder_daemon_fd() >= 0;
        const shm::completion cpl = ch->call(cmd, c.daemon_end, own ? channel::holder_daemon_fd() : -1);
        if (cpl.result < 0) {
            c.ids[i] = ch->holder();  // shuntd gone, or refused: shared, as before holders
            c.shares = true;
            continue;
        }
        ch->set_holder(static_cast<std::uint32_t>(cpl.value));
        c.ids[i] = cpl.sock;
        if (cpl.sock == static_cast<std::uint32_t>(cpl.value)) c.shares = true;
    }
    return c;
}

void parent_after(child_part& c) {
    close_fd(c.keep);
    close_fd(c.daemon_end);
    c.keep = c.daemon_end = -1;
}

void child_after(const child_part& c) {
    if (c.keep < 0) return;  // shares every holder of the parent, and its pair
    // The parent's pair: its shuntd end is the parent's to give; its kept
    // end, while the child shares a holder with the parent, stays open here
    // too (no longer one of shunt's own fds), so the parent's exit does not
    // take what the child still counts on.
    close_fd(channel::holder_daemon_fd());
    if (!c.shares) close_fd(channel::holder_keep_fd());
    channel::set_holder_fds(c.keep, c.daemon_end);
    for (int i = 0; i < c.n; ++i) c.chans[i]->set_holder(c.ids[i]);
}

creating::creating() { g_fork_lock.lock_shared(); }
creating::~creating() { g_fork_lock.unlock_shared(); }

forking::forking() {
    for (int tries = 0; tries < 10000 && !held_; ++tries) {
        held_ = g_fork_lock.try_lock();
        if (!held_) sched_yield();
    }
}

forking::~forking() {
    if (held_) g_fork_lock.unlock();
}

void forking::child() {
    new (&g_fork_lock) std::shared_mutex();
    held_ = false;
}

}  // namespace shunt::preload::fork_holders
