// The notification object of an accelerated socket (DESIGN.md: "Readiness is
// visible to the kernel"): an AF_UNIX stream socketpair. The app holds one
// end under the socket's own fd number; the daemon holds the other. The app's
// end is
//   readable   while the daemon has written a byte the app has not drained
//              (signal_readable / drain_readable), or after the daemon's
//              end shut down writing (EOF: EPOLLIN|EPOLLRDHUP) or closed
//              (EPOLLHUP|EPOLLERR: the connection was reset or is gone);
//   writable   while the app's own unread filler is below a quarter of its
//              send buffer (Linux unix_writable()): the app makes it
//              unwritable by filling (block_writable) and the daemon makes
//              it writable again by draining (unblock_writable).
// So IN, OUT, RDHUP and HUP are independent, which an eventfd cannot express.
// Every call here is non-blocking and async-signal-safe.
#pragma once

namespace shunt::shm {

// A socketpair: [0] for the app, [1] for the daemon, both CLOEXEC; the app's
// end carries one sentinel byte towards the daemon, never read. 0 or -errno.
int notify_pair(int fds[2]);

// Daemon side.
void notify_signal_readable(int daemon_fd);  // one byte towards the app
void notify_unblock_writable(int daemon_fd);  // drains the app's filler
void notify_eof(int daemon_fd);              // shutdown(SHUT_WR): the app sees EOF
// Closes the daemon's end with the app's sentinel byte unread: the app's end
// reports IN|OUT|ERR|HUP|RDHUP, as a TCP socket does after an RST.
void notify_hangup(int daemon_fd);

// App side.
void notify_drain_readable(int app_fd);
void notify_block_writable(int app_fd);
// The same two with read, write and poll alone, for a process under a
// seccomp filter that may allow no more (preload/sandbox.hpp): a poll with
// no timeout before each read or write, so neither waits on a blocking fd;
// the block stops once the end is no longer writable, which is what a
// poller sees.
void notify_drain_readable_polled(int app_fd);
void notify_block_writable_polled(int app_fd);

}  // namespace shunt::shm
