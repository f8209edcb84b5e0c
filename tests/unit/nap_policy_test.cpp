// The idle worker's nap lengths per poll mode (daemon/nap_policy.hpp).
#include <gtest/gtest.h>

#include "daemon/nap_policy.hpp"

namespace shunt::daemon {
namespace {

constexpr std::int64_t k_deadline = 250'000'000;  // the next lwIP timer, 250 ms away

// Idle loops until the policy first wants a sleep.
unsigned loops_until_sleep(nap_policy& p) {
    unsigned n = 0;
    while (!p.idle(false) && n < 10'000) ++n;
    return n + 1;
}

TEST(NapPolicy, BusyNeverSleeps) {
    nap_policy p(poll_mode::busy, 20, true);
    for (int i = 0; i < 5000; ++i) EXPECT_FALSE(p.idle(false));
}

TEST(NapPolicy, SleepsAfterARunOfIdleLoopsUntilWorkComes) {
    nap_policy p(poll_mode::interrupt, 20, true);
    EXPECT_EQ(loops_until_sleep(p), nap_policy::k_idle_loops_before_nap);
    EXPECT_TRUE(p.idle(false));  // still idle: sleeps again at once
    EXPECT_FALSE(p.idle(true));  // work: a new run of idle loops first
    EXPECT_EQ(loops_until_sleep(p), nap_policy::k_idle_loops_before_nap);
}

TEST(NapPolicy, APortThatWakesLetsTheWorkerSleepUntilItsNextTimer) {
    for (poll_mode m : {poll_mode::interrupt, poll_mode::adaptive}) {
        nap_policy p(m, 20, true);
        loops_until_sleep(p);
        EXPECT_EQ(p.nap_ns(k_deadline), k_deadline);
        EXPECT_EQ(p.nap_ns(0), 0);
    }
}

TEST(NapPolicy, AdaptiveOnABlindPortNapsGrowToTheCapAndSnapBack) {
    nap_policy p(poll_mode::adaptive, 20, false);
    loops_until_sleep(p);
    EXPECT_EQ(p.nap_ns(k_deadline), 20'000);
    EXPECT_EQ(p.nap_ns(k_deadline), 40'000);
    EXPECT_EQ(p.nap_ns(k_deadline), 80'000);
    for (int i = 0; i < 20; ++i) (void)p.nap_ns(k_deadline);  // only the lengths matter here
    EXPECT_EQ(p.nap_ns(k_deadline), nap_policy::k_max_blind_nap_ns);
    EXPECT_EQ(p.nap_ns(5'000), 5'000);  // never past the next timer
    EXPECT_FALSE(p.idle(true));
    loops_until_sleep(p);
    EXPECT_EQ(p.nap_ns(k_deadline), 20'000);
}

TEST(NapPolicy, ModesByName) {
    EXPECT_EQ(parse_poll_mode("busy"), poll_mode::busy);
    EXPECT_EQ(parse_poll_mode("adaptive"), poll_mode::adaptive);
    EXPECT_EQ(parse_poll_mode("interrupt"), poll_mode::interrupt);
    EXPECT_FALSE(parse_poll_mode("fast").has_value());
    EXPECT_EQ(poll_mode_name(poll_mode::interrupt), "interrupt");
}

}  // namespace
}  // namespace shunt::daemon
