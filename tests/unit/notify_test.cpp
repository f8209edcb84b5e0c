// The notification socketpair expresses IN, OUT, RDHUP and HUP independently
// on the app's end (DESIGN.md "Readiness is visible to the kernel"); these
// tests pin that down on the running kernel with poll and epoll.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "shm/notify.hpp"

namespace shunt::shm {
namespace {

short revents(int fd) {
    pollfd p{fd, POLLIN | POLLOUT | POLLRDHUP, 0};
    EXPECT_EQ(poll(&p, 1, 0) >= 0, true);
    return p.revents;
}

struct pair_fixture : ::testing::Test {
    int fds[2] = {-1, -1};
    void SetUp() override { ASSERT_EQ(notify_pair(fds), 0); }
    void TearDown() override {
        if (fds[0] >= 0) close(fds[0]);
        if (fds[1] >= 0) close(fds[1]);
    }
};

using NotifyPair = pair_fixture;

TEST_F(NotifyPair, StartsWritableNotReadable) {
    EXPECT_EQ(revents(fds[0]), POLLOUT);
}

TEST_F(NotifyPair, WritabilityIsTheAppsToBlockAndTheDaemonsToRestore) {
    notify_block_writable(fds[0]);
    EXPECT_EQ(revents(fds[0]) & POLLOUT, 0);
    notify_unblock_writable(fds[1]);
    EXPECT_EQ(revents(fds[0]) & POLLOUT, POLLOUT);
}

TEST_F(NotifyPair, ReadabilityIsTheDaemonsToSetAndTheAppsToClear) {
    notify_signal_readable(fds[1]);
    notify_signal_readable(fds[1]);
    EXPECT_EQ(revents(fds[0]) & POLLIN, POLLIN);
    notify_drain_readable(fds[0]);
    EXPECT_EQ(revents(fds[0]) & POLLIN, 0);
}

// The drain makes one recv for what one buffer holds (each byte its own
// skb, as the worker sends them) and goes on only after a full buffer.
TEST_F(NotifyPair, DrainTakesManySignalsAtOnce) {
    for (int n : {3, 256, 700}) {
        for (int i = 0; i < n; ++i) notify_signal_readable(fds[1]);
        ASSERT_EQ(revents(fds[0]) & POLLIN, POLLIN);
        notify_drain_readable(fds[0]);
        EXPECT_EQ(revents(fds[0]) & POLLIN, 0) << n << " signals";
    }
}

// The variants for a process under a seccomp filter (read, write and poll
// only) do the same, and never wait on the blocking fd a notify end is.
TEST_F(NotifyPair, PolledVariantsUseReadWriteAndPollAndNeverWait) {
    notify_drain_readable_polled(fds[0]);  // nothing queued: returns at once
    notify_block_writable_polled(fds[0]);
    EXPECT_EQ(revents(fds[0]) & POLLOUT, 0);
    notify_block_writable_polled(fds[0]);  // unwritable already: returns at once
    notify_unblock_writable(fds[1]);
    EXPECT_EQ(revents(fds[0]) & POLLOUT, POLLOUT);
    for (int n : {1, 256, 700}) {
        for (int i = 0; i < n; ++i) notify_signal_readable(fds[1]);
        ASSERT_EQ(revents(fds[0]) & POLLIN, POLLIN);
        notify_drain_readable_polled(fds[0]);
        EXPECT_EQ(revents(fds[0]) & POLLIN, 0) << n << " signals";
    }
    notify_eof(fds[1]);
    notify_drain_readable_polled(fds[0]);  // readable at EOF: a read of 0 ends it
    EXPECT_EQ(revents(fds[0]) & POLLRDHUP, POLLRDHUP);
}

TEST_F(NotifyPair, ReadableAndUnwritableTogether) {
    notify_block_writable(fds[0]);
    notify_signal_readable(fds[1]);
    EXPECT_EQ(revents(fds[0]), POLLIN);
}

TEST_F(NotifyPair, EofIsReadableWithRdhupAndStays) {
    notify_eof(fds[1]);
    EXPECT_EQ(revents(fds[0]) & (POLLIN | POLLRDHUP), POLLIN | POLLRDHUP);
    notify_drain_readable(fds[0]);
    EXPECT_EQ(revents(fds[0]) & (POLLIN | POLLRDHUP), POLLIN | POLLRDHUP);
    EXPECT_EQ(revents(fds[0]) & POLLHUP, 0);
}

TEST_F(NotifyPair, DaemonGoneIsHangup) {
    notify_block_writable(fds[0]);
    close(fds[1]);
    fds[1] = -1;
    EXPECT_EQ(revents(fds[0]) & (POLLHUP | POLLIN), POLLHUP | POLLIN);
}

TEST_F(NotifyPair, HangupLooksLikeATcpReset) {
    notify_block_writable(fds[0]);
    notify_unblock_writable(fds[1]);  // leaves the sentinel
    notify_hangup(fds[1]);
    fds[1] = -1;
    EXPECT_EQ(revents(fds[0]), POLLIN | POLLOUT | POLLERR | POLLHUP | POLLRDHUP);
}

// A connecting socket's end is unwritable (filler) when the RST comes: the
// hangup still shows every flag of a reset, the error included (a byte is
// left unread for it), and no OUT appears before the error does.
TEST_F(NotifyPair, HangupOfAnUnwritableEndIsAResetToo) {
    notify_block_writable(fds[0]);
    ASSERT_EQ(revents(fds[0]) & POLLOUT, 0);
    notify_hangup(fds[1]);
    fds[1] = -1;
    EXPECT_EQ(revents(fds[0]), POLLIN | POLLOUT | POLLERR | POLLHUP | POLLRDHUP);
}

TEST_F(NotifyPair, EdgeTriggeredEpollSeesEachNewSignal) {
    const int ep = epoll_create1(0);
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLET;
    ASSERT_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &ev), 0);
    epoll_event out;
    EXPECT_EQ(epoll_wait(ep, &out, 1, 0), 0);
    notify_signal_readable(fds[1]);
    EXPECT_EQ(epoll_wait(ep, &out, 1, 0), 1);
    EXPECT_EQ(epoll_wait(ep, &out, 1, 0), 0);  // edge consumed
    notify_drain_readable(fds[0]);
    notify_signal_readable(fds[1]);
    EXPECT_EQ(epoll_wait(ep, &out, 1, 0), 1);
    close(ep);
}

}  // namespace
}  // namespace shunt::shm
