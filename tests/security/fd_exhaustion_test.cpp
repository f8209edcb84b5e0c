// Issue 20 item 2: shuntd at its descriptor limit. The kernel then drops the
// fds an app passes (MSG_CTRUNC); the app that asked for the socket gets
// EMFILE for it, and its session, with its other sockets, goes on (it used
// to end: "malformed message on the control socket").
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

#include "shm/notify.hpp"
#include "tests/engine/fake_app.hpp"

namespace shunt::test {
namespace {

TEST(FdExhaustion, ShuntdAtItsFdLimitFailsOneSocketNotTheSession) {
    fake_app app;
    auto before = app.open(SOCK_STREAM);
    ASSERT_EQ(before.result, 0);
    int pair[2];
    ASSERT_EQ(shm::notify_pair(pair), 0);

    // The session runs in this process: with every descriptor below a
    // lowered limit taken, it cannot receive the two the app sends.
    rlimit old{};
    ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &old), 0);
    const int lowest_free = dup(0);
    ASSERT_GE(lowest_free, 0);
    ::close(lowest_free);
    rlimit low = old;
    low.rlim_cur = static_cast<rlim_t>(lowest_free) + 4;
    ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
    std::vector<int> filler;
    for (int f; (f = dup(0)) >= 0;) filler.push_back(f);
    shm::command c{};
    c.opcode = static_cast<std::uint32_t>(shm::op::open);
    c.a = SOCK_STREAM;
    const shm::completion cpl = app.call(c, pair[1], pair[0]);
    for (int f : filler) ::close(f);
    ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &old), 0);

    EXPECT_EQ(cpl.result, -EMFILE);
    EXPECT_TRUE(app.alive()) << app.failure();
    auto after = app.open(SOCK_STREAM);
    EXPECT_EQ(after.result, 0) << "the session goes on";
    EXPECT_EQ(app.close(before.id), 0);
    EXPECT_EQ(app.close(after.id), 0);
    ::close(before.notify);
    ::close(after.notify);
    ::close(pair[0]);
    ::close(pair[1]);
}

}  // namespace
}  // namespace shunt::test
