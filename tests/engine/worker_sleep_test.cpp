// The idle worker's sleep (daemon/wake_set, session::sleep_begin/
// drain_control, index_ring's sleep handshake), with a real session and the
// app played by fake_app: a sleep with no time limit ends on an app's
// doorbell, on port traffic and on the main lcore's notify; a push made just
// before the sleep is seen and the sleep is skipped; wake messages never
// confuse the notify fds that share the control socket.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "daemon/wake_set.hpp"
#include "tests/engine/fake_app.hpp"

namespace shunt::test {
namespace {

constexpr std::uint64_t k_app_tag = 42, k_port_tag = 1;

std::unique_ptr<daemon::wake_set> make_wake_set() {
    auto w = daemon::wake_set::create();
    if (!w) ADD_FAILURE() << w.err().describe();
    return w ? std::move(*w) : nullptr;
}

// Sleeps in `w` with no time limit on another thread; returns the tags that
// ended the sleep, once `poke` (run on this thread) has been done.
template <typename Poke>
std::vector<std::uint64_t> sleep_until(daemon::wake_set& w, Poke&& poke, daemon::session* s = nullptr) {
    std::vector<std::uint64_t> tags;
    std::atomic<bool> asleep{false}, woke{false};
    std::thread t([&] {
        asleep.store(true);
        w.wait(-1, [&](std::uint64_t tag) {
            tags.push_back(tag);
            if (tag == k_app_tag && s) s->on_wake();
        });
        woke.store(true);
    });
    while (!asleep.load()) std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // well into epoll_pwait2
    EXPECT_FALSE(woke.load()) << "the sleep ended before anything happened";
    poke();
    t.join();
    return tags;
}

TEST(WorkerSleep, AppDoorbellEndsASleepWithoutTimeLimit) {
    auto w = make_wake_set();  // outlives the session that watches it
    ASSERT_TRUE(w);
    fake_app app;
    app.daemon().watch(*w, k_app_tag);
    ASSERT_TRUE(app.daemon().sleep_begin());  // nothing pushed: the worker may sleep
    const auto tags = sleep_until(*w, [&] { app.ring(shm::ring_kind::tx_ready, 0); }, &app.daemon());
    app.daemon().sleep_end();
    ASSERT_EQ(tags.size(), 1u);
    EXPECT_EQ(tags[0], k_app_tag);
    EXPECT_EQ(app.wakes_sent(), 1u);
    // The wake message was read: the control socket no longer ends sleeps.
    int n = w->wait(0, [](std::uint64_t) {});
    EXPECT_EQ(n, 0);
    // And the session still serves calls, including one that passes an fd
    // over the same control socket.
    app.pump();
    const auto s = app.open(SOCK_STREAM);
    EXPECT_EQ(s.result, 0);
    EXPECT_TRUE(app.alive()) << app.failure();
    if (s.notify >= 0) ::close(s.notify);
}

TEST(WorkerSleep, OnlyTheFirstPushAfterTheAnnouncementWakes) {
    auto w = make_wake_set();  // outlives the session that watches it
    ASSERT_TRUE(w);
    fake_app app;
    app.daemon().watch(*w, k_app_tag);
    // Awake: pushes send nothing.
    app.ring(shm::ring_kind::tx_ready, 0);
    EXPECT_EQ(app.wakes_sent(), 0u);
    app.pump();
    ASSERT_TRUE(app.daemon().sleep_begin());
    app.ring(shm::ring_kind::tx_ready, 0);
    app.ring(shm::ring_kind::rx_space, 0);
    app.ring(shm::ring_kind::tx_ready, 1);
    EXPECT_EQ(app.wakes_sent(), 1u);
    app.daemon().sleep_end();
}

TEST(WorkerSleep, APushJustBeforeTheSleepIsSeen) {
    fake_app app;
    app.ring(shm::ring_kind::tx_ready, 0);  // the app pushed while the worker was awake
    EXPECT_FALSE(app.daemon().sleep_begin());
    app.daemon().sleep_end();
    EXPECT_EQ(app.wakes_sent(), 0u);
}

TEST(WorkerSleep, PortTrafficEndsASleepWithoutTimeLimit) {
    auto w = make_wake_set();
    ASSERT_TRUE(w);
    int port[2];  // stands for the PMD's RX wake-up fd: readable when a frame arrives
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, port), 0);
    ASSERT_TRUE(w->add(port[0], k_port_tag).has_value());
    const auto tags = sleep_until(*w, [&] { ASSERT_EQ(::write(port[1], "f", 1), 1); });
    ASSERT_EQ(tags.size(), 1u);
    EXPECT_EQ(tags[0], k_port_tag);
    ::close(port[0]);
    ::close(port[1]);
}

TEST(WorkerSleep, MainLcoreNotifyEndsASleepAndIsNotReported) {
    auto w = make_wake_set();
    ASSERT_TRUE(w);
    const auto tags = sleep_until(*w, [&] { w->notify(); });
    EXPECT_TRUE(tags.empty());  // the eventfd is reset, never reported
    EXPECT_EQ(w->wait(0, [](std::uint64_t) {}), 0);
}

TEST(WorkerSleep, AMalformedMessageOnTheControlSocketEndsTheSession) {
    fake_app app;
    const char junk[3] = {1, 2, 3};
    ASSERT_EQ(::write(app.control_fd(), junk, sizeof junk), 3);
    app.daemon().on_wake();
    app.pump();
    EXPECT_FALSE(app.alive());
    EXPECT_NE(app.failure().find("malformed message"), std::string::npos) << app.failure();
}

TEST(WorkerSleep, AWakeMessageAheadOfAnFdIsSkipped) {
    fake_app app;
    const shm::wake_message m{shm::k_wake_magic};
    ASSERT_EQ(::write(app.control_fd(), &m, sizeof m), static_cast<ssize_t>(sizeof m));
    // open passes its notify fd behind the wake message; take_fd steps over it.
    const auto s = app.open(SOCK_STREAM);
    EXPECT_EQ(s.result, 0);
    EXPECT_TRUE(app.alive()) << app.failure();
    if (s.notify >= 0) ::close(s.notify);
}

}  // namespace
}  // namespace shunt::test
