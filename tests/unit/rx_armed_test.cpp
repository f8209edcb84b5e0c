// The readability handshake (shm/rx_armed.hpp) over a real notify pair: an
// app that empties its ring never leaves a byte of shuntd's behind (a poll
// would then report a readable socket whose recv says EAGAIN), and never
// eats a byte that announces data it has not seen (a lost wakeup). The races
// are played deterministically: the "daemon" acts inside the app's wait and
// drain callbacks, at the exact points a real worker could.
#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <thread>

#include "shm/notify.hpp"
#include "shm/rx_armed.hpp"

namespace shunt::shm {
namespace {

namespace rf = rx_flag;

struct RxArmed : ::testing::Test {
    int fds[2] = {-1, -1};
    std::atomic<std::uint32_t> flag{0};
    bool ring_has_data = true;
    void SetUp() override { ASSERT_EQ(notify_pair(fds), 0); }
    void TearDown() override {
        close(fds[0]);
        close(fds[1]);
    }
    bool app_readable() {
        pollfd p{fds[0], POLLIN, 0};
        return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
    }
    // What session::signal_readable does.
    void daemon_signal(bool new_edge) {
        std::uint32_t was = 0;
        if (!rf::daemon_claim(flag, new_edge, was)) return;
        if (ring_has_data) notify_signal_readable(fds[1]);
        rf::daemon_finish(flag, was, ring_has_data);
    }
    void app_clear_with(std::function<bool(int)> wait, std::function<void()> during_drain = {}) {
        rf::app_clear(
            flag,
            [&] {
                notify_drain_readable(fds[0]);
                if (during_drain) {
                    auto f = std::move(during_drain);
                    during_drain = {};
                    f();
                }
            },
            wait);
    }
};

TEST_F(RxArmed, ArrivalArmsOnceAndClearDrains) {
    daemon_signal(false);
    EXPECT_EQ(rf::state(flag), rf::armed);
    EXPECT_TRUE(app_readable());
    daemon_signal(false);  // already readable, no new edge asked: no second byte
    EXPECT_EQ(flag.load() / rf::one_sent, 1u);
    app_clear_with([](int) { return false; });
    EXPECT_EQ(rf::state(flag), rf::idle);
    EXPECT_FALSE(app_readable());
}

TEST_F(RxArmed, NewEdgeSendsAnotherByteAndClearTakesBoth) {
    daemon_signal(false);
    daemon_signal(true);
    EXPECT_EQ(flag.load() / rf::one_sent, 2u);
    app_clear_with([](int) { return false; });
    EXPECT_FALSE(app_readable());
    EXPECT_EQ(rf::state(flag), rf::idle);
}

// The daemon has claimed the send but its byte is not in the fd yet when the
// app (having emptied the ring) clears: the app must wait for the byte and
// drain it, not leave it to make a later poll lie.
TEST_F(RxArmed, ClearWaitsOutASendInProgress) {
    std::uint32_t was = 0;
    ASSERT_TRUE(rf::daemon_claim(flag, false, was));
    int waits = 0;
    app_clear_with([&](int) {
        if (++waits == 3) {  // the worker completes its step
            notify_signal_readable(fds[1]);
            rf::daemon_finish(flag, was, true);
        }
        return true;
    });
    EXPECT_GE(waits, 3);
    EXPECT_EQ(rf::state(flag), rf::idle);
    EXPECT_FALSE(app_readable());
}

// A new edge goes out between the app's drain and its compare-exchange: the
// count in the word makes the exchange fail, and the app drains again.
TEST_F(RxArmed, ByteSentDuringTheDrainIsDrainedToo) {
    daemon_signal(false);
    app_clear_with([](int) { return true; }, [&] { daemon_signal(true); });
    EXPECT_EQ(rf::state(flag), rf::idle);
    EXPECT_FALSE(app_readable());
}

TEST_F(RxArmed, GivingUpOnAStuckDaemonLeavesTheWordAlone) {
    std::uint32_t was = 0;
    ASSERT_TRUE(rf::daemon_claim(flag, false, was));
    app_clear_with([](int round) { return round < 5; });
    EXPECT_EQ(rf::state(flag), rf::sending);
}

TEST_F(RxArmed, RearmIsAskedOnceAndServedByTheDaemon) {
    EXPECT_TRUE(rf::app_request_rearm(flag));
    EXPECT_FALSE(rf::app_request_rearm(flag));
    daemon_signal(false);  // the rearm_rx doorbell
    EXPECT_EQ(rf::state(flag), rf::armed);
    EXPECT_TRUE(app_readable());
    EXPECT_FALSE(rf::app_request_rearm(flag));
}

TEST_F(RxArmed, RearmNothingJustifiesEndsIdle) {
    ASSERT_TRUE(rf::app_request_rearm(flag));
    ring_has_data = false;  // another thread took the data meanwhile
    daemon_signal(false);
    EXPECT_EQ(rf::state(flag), rf::idle);
    EXPECT_FALSE(app_readable());
}

TEST_F(RxArmed, AppWithdrawsARearmNotYetServed) {
    ASSERT_TRUE(rf::app_request_rearm(flag));
    app_clear_with([](int) { return false; });
    EXPECT_EQ(rf::state(flag), rf::idle);
    EXPECT_FALSE(app_readable());
}

// Two real threads: a daemon signalling arrivals while the app empties and
// clears, many times. After both stop, the fd is readable exactly when the
// word says a byte is there, and never when the app saw the ring empty last.
TEST_F(RxArmed, ThreadsNeverLeaveAStaleByte) {
    std::atomic<int> data{0};  // the "ring": units of data
    std::atomic<bool> stop{false};
    std::atomic<int> sent{0};
    std::thread daemon([&] {
        while (!stop.load()) {
            data.fetch_add(1);
            std::uint32_t was = 0;
            if (!rf::daemon_claim(flag, true, was)) continue;
            const bool send = data.load() > 0;
            if (send) {
                notify_signal_readable(fds[1]);
                sent.fetch_add(1);
            }
            rf::daemon_finish(flag, was, send);
        }
    });
    for (int i = 0; i < 5000 || sent.load() < 300; ++i) {
        data.store(0);  // the app takes everything
        rf::app_clear(flag, [&] { notify_drain_readable(fds[0]); }, [](int) {
            std::this_thread::yield();
            return true;
        });
        if (data.load() > 0 && rf::app_request_rearm(flag)) {
            // The doorbell: served inline (the daemon thread would claim it too).
            std::uint32_t was = 0;
            if (rf::daemon_claim(flag, false, was)) {
                notify_signal_readable(fds[1]);
                rf::daemon_finish(flag, was, true);
            }
        }
    }
    stop.store(true);
    daemon.join();
    data.store(0);
    rf::app_clear(flag, [&] { notify_drain_readable(fds[0]); }, [](int) { return true; });
    EXPECT_EQ(rf::state(flag), rf::idle);
    EXPECT_FALSE(app_readable());
}

// What session::clear_left_readable does: shuntd drains the app's end (it
// holds a copy) when the app left the fd readable with nothing to read.
bool daemon_clear(std::atomic<std::uint32_t>& flag, int app_end, bool ring_empty) {
    std::uint32_t was = 0;
    if (!rx_flag::daemon_claim_clear(flag, was)) return false;
    if (ring_empty) notify_drain_readable(app_end);
    rx_flag::daemon_finish_clear(flag, was, ring_empty);
    return ring_empty;
}

TEST_F(RxArmed, DaemonClearDrainsWhatTheAppLeft) {
    daemon_signal(false);
    daemon_signal(true);  // a second edge: two bytes in the fd
    ASSERT_TRUE(app_readable());
    const std::uint32_t before = flag.load();
    EXPECT_TRUE(daemon_clear(flag, fds[0], true));
    EXPECT_FALSE(app_readable()) << "every byte drained";
    EXPECT_EQ(rf::state(flag), rf::idle);
    EXPECT_EQ(flag.load() & ~rf::state_mask, before & ~rf::state_mask) << "the count of bytes sent stays";
    daemon_signal(false);
    EXPECT_TRUE(app_readable()) << "the next arrival arms it again";
}

TEST_F(RxArmed, DaemonClearLeavesBytesThatAreStillThere) {
    daemon_signal(false);
    EXPECT_FALSE(daemon_clear(flag, fds[0], false));
    EXPECT_TRUE(app_readable());
    EXPECT_EQ(rf::state(flag), rf::armed);
}

TEST_F(RxArmed, DaemonClearTouchesOnlyAnArmedWord) {
    std::uint32_t was = 0;
    EXPECT_FALSE(rf::daemon_claim_clear(flag, was)) << "idle: nothing to clear";
    flag.store(rf::with_state(rf::one_sent, rf::rearm));
    EXPECT_FALSE(rf::daemon_claim_clear(flag, was)) << "the app asked for a byte";
    flag.store(rf::with_state(rf::one_sent, rf::sending));
    EXPECT_FALSE(rf::daemon_claim_clear(flag, was)) << "a send in progress";
    EXPECT_EQ(flag.load(), rf::with_state(rf::one_sent, rf::sending));
}

// The app's own clear meets shuntd's: an app tired of waiting for shuntd's
// drain (a preempted worker would hold it up) drains too, which is safe
// because shuntd sends nothing while it clears; shuntd then finds nothing left.
TEST_F(RxArmed, AppClearDrainsBesideTheDaemonsClear) {
    daemon_signal(false);
    daemon_signal(true);
    std::uint32_t was = 0;
    ASSERT_TRUE(rf::daemon_claim_clear(flag, was));
    EXPECT_EQ(rf::state(flag), rf::clearing);
    int waits = 0;
    app_clear_with([&](int) {
        ++waits;
        return false;  // tired of waiting at once
    });
    EXPECT_EQ(waits, 1);
    EXPECT_FALSE(app_readable()) << "the app's drain took every byte";
    EXPECT_TRUE(rf::set(flag)) << "still shuntd's until it finishes";
    notify_drain_readable(fds[0]);
    rf::daemon_finish_clear(flag, was, true);
    EXPECT_EQ(rf::state(flag), rf::idle);
    daemon_signal(false);
    EXPECT_TRUE(app_readable()) << "the next arrival arms it again";
}

TEST_F(RxArmed, ThreadsClearingTogetherLeaveNothingStale) {
    std::atomic<bool> stop{false};
    std::thread daemon([&] {
        while (!stop.load()) {
            daemon_signal(false);
            (void)daemon_clear(flag, fds[0], true);
        }
    });
    for (int i = 0; i < 20000; ++i)
        rf::app_clear(flag, [&] { notify_drain_readable(fds[0]); }, [](int) {
            std::this_thread::yield();
            return true;
        });
    stop.store(true);
    daemon.join();
    (void)daemon_clear(flag, fds[0], true);
    rf::app_clear(flag, [&] { notify_drain_readable(fds[0]); }, [](int) { return true; });
    EXPECT_EQ(rf::state(flag), rf::idle);
    EXPECT_FALSE(app_readable());
}

// An app thread waiting for shuntd's send sleeps on the word (the waiter
// flag) and shuntd's finish wakes it: the word is never left with the flag.
TEST_F(RxArmed, AppSleepsOnTheStepAndTheDaemonWakesIt) {
    std::uint32_t was = 0;
    ASSERT_TRUE(rf::daemon_claim(flag, false, was));
    std::atomic<bool> woke{false};
    std::thread app([&] {
        const timespec long_enough{30, 0};
        rf::app_sleep_on_step(flag, long_enough);
        woke.store(true);
    });
    while (!(flag.load() & rf::waiter)) std::this_thread::yield();  // asleep (or about to be)
    EXPECT_FALSE(woke.load());
    notify_signal_readable(fds[1]);
    rf::daemon_finish(flag, was, true);
    app.join();  // woken by the finish, not by the 30 s timeout
    EXPECT_TRUE(woke.load());
    EXPECT_EQ(rf::state(flag), rf::armed);
    EXPECT_EQ(flag.load() & rf::waiter, 0u);
    const timespec none{0, 0};
    rf::app_sleep_on_step(flag, none);  // no step in progress: returns at once
}

}  // namespace
}  // namespace shunt::shm
