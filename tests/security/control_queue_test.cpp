// Found by tests/fuzz/fuzz_attach (docs/fuzzing.md, "Findings"): an app
// that queues a copy of its own control socket on that socket, in a message
// no call claims, and then exits, kept its end of the connection open from
// inside shuntd's receive queue (the kernel keeps a socket in flight alive
// while the socket it waits in is open), so shuntd never saw it end: the
// session, its connections and ports stayed for the daemon's life. The
// worker now reads every message as it comes and closes at once any fd no
// call takes (daemon/session.hpp read_control_message).
#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include "daemon/fd_reaper.hpp"
#include "shm/fd_passing.hpp"
#include "shm/protocol.hpp"
#include "tests/engine/fake_app.hpp"

namespace shunt::test {
namespace {

bool hung_up(int fd) {
    pollfd p{fd, POLLRDHUP, 0};
    return ::poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP));
}

TEST(ControlQueue, AnAppThatQueuesItsOwnControlSocketStillEndsWhenItExits) {
    fake_app app;
    auto s = app.open(SOCK_STREAM);
    ASSERT_EQ(s.result, 0);
    const int copy = dup(app.control_fd());
    const shm::fd_message m{0x1234567800000000ull};  // a tag no call will name
    ASSERT_EQ(shm::send_with_fds(app.control_fd(), &m, sizeof m, &copy, 1, 0), 0);
    ::close(copy);
    app.pump(3);
    app.daemon().on_wake();  // as when the message woke a sleeping worker
    ::close(s.notify);
    app.hang_up();  // exit: the app's fds close
    daemon::fd_reaper::settle();  // what shuntd closes it closes off the worker
    EXPECT_TRUE(hung_up(app.daemon_control_fd())) << "the app's end is still open inside shuntd";
}

TEST(ControlQueue, AnUnclaimedMessageGoesAfterAFewSeconds) {
    fake_app app;
    int pair[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
    const shm::fd_message m{0x1234567800000001ull};
    ASSERT_EQ(shm::send_with_fds(app.control_fd(), &m, sizeof m, &pair[1], 1, 0), 0);
    ::close(pair[1]);
    app.daemon().on_wake();
    // shuntd holds pair[1] (a kind a call takes) until it expires.
    pollfd p{pair[0], POLLRDHUP, 0};
    EXPECT_EQ(::poll(&p, 1, 0), 0);
    for (int i = 0; i < 60; ++i) (void)app.daemon().audit();
    daemon::fd_reaper::settle();
    EXPECT_TRUE(hung_up(pair[0])) << "an unclaimed fd is kept for ever";
    ::close(pair[0]);
    EXPECT_TRUE(app.alive());
}

}  // namespace
}  // namespace shunt::test
