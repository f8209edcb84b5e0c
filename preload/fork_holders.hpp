// A forked or spawned child holds the accelerated sockets it inherits as a
// process of its own in shuntd (daemon/socket_holders.hpp), so that its
// death, however it comes (kill -9 too), lets go of them as the kernel's
// exit closes a process's files: the last holder's going closes a socket.
//
// Each process that forks has a holder pair (a socketpair): it keeps one
// end for its whole life (shunt's own fd, close-on-exec, handed over across
// exec) and shuntd watches the other. Before the fork, the parent makes the
// child's pair and asks every session it holds sockets of for a holder that
// holds what the parent holds (shm::op::hold); the child keeps its end and
// closes its copies of the parent's; the parent closes the child's.
// Until its first fork, the process that attached is holder 0, whose life
// is the control connection's; that first fork gives it a pair too.
//
// Sockets appear in a process (a call that makes one in shuntd, then its
// fd in the fd table) under a shared hold of the fork lock, and a fork or
// spawn holds it whole: a child's holder holds exactly the sockets its
// inherited fd table names.
#pragma once

#include <cstdint>

#include "preload/channel.hpp"

namespace shunt::preload::fork_holders {

// The child's part of a fork or spawn being prepared.
struct child_part {
    int keep = -1, daemon_end = -1;  // the child's pair (-1: it shares this process's holders)
    int n = 0;
    channel* chans[channel::k_max_inherited + 1] = {};
    std::uint32_t ids[channel::k_max_inherited + 1] = {};  // its holder on each
    bool shares = false;  // on some channel it shares this process's holder (shuntd's table is full)
};

// Before the fork or spawn, under a `forking` hold: the child's holders.
child_part prepare();
// In the parent once the fork or spawn returned (done or failed): the
// child's ends are the child's alone (a failed one's holders go with them).
void parent_after(child_part& c);
// In the child: its holders and pair replace the parent's.
void child_after(const child_part& c);

// A shared hold: a socket is being made (from its call to its fd table entry).
class creating {
public:
    creating();
    ~creating();
    creating(const creating&) = delete;
    creating& operator=(const creating&) = delete;
};

// The whole lock, for a fork or spawn (and for io_uring_setup's look at the
// fd table: preload/io_uring_guard.hpp). A fork from a signal handler that
// interrupted a `creating` thread would wait for itself: after a bounded
// wait the fork goes on without it (that one socket may then miss the child).
class forking {
public:
    forking();
    ~forking();  // in the parent
    // Whether the lock was had: false after the bounded wait, when a
    // socket may be in the making.
    bool held() const { return held_; }
    // In the child: the lock starts afresh (the forking thread's hold is
    // not this thread's to release).
    void child();
    forking(const forking&) = delete;
    forking& operator=(const forking&) = delete;

private:
    bool held_ = false;
};

}  // namespace shunt::preload::fork_holders
