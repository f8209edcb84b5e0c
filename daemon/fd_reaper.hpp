// Closes, on a thread of its own, the fds an app handed shuntd that shuntd
// does not keep (or whose kind it has not checked). close() can block: a TCP
// socket with SO_LINGER {1, N} and unsent bytes waits up to N seconds, a file
// on a FUSE mount waits for its daemon's answer. The worker and the main
// lcore must never wait on what an app chose, so such an fd goes here; the
// fds shuntd checked and keeps (notify sockets: AF_UNIX stream, whose close
// never waits; an app's kernel UDP socket) it closes itself.
#pragma once

namespace shunt::daemon::fd_reaper {

// Never blocks (beyond a lock held only to hand fds over). The thread
// starts on first use and is never joined: an fd whose close waits for
// ever holds it, and nothing else.
void close_later(int fd) noexcept;
// Waits until every fd handed over so far is closed (tests that count fds;
// never an lcore).
void settle() noexcept;

}  // namespace shunt::daemon::fd_reaper
