// Issue 20 item 8: which processes hold a session's sockets
// (daemon/socket_holders.hpp). A socket closes when the last process that
// holds it closes it or dies; a process dies when every copy of its kept
// end is closed. Here the "processes" are socketpairs whose kept end the
// test closes, as the kernel does at a kill -9. The whole path (fork,
// kill -9, the peer's FIN) is tests/security/killed_sharer.sh.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "daemon/socket_holders.hpp"

namespace shunt::daemon {
namespace {

constexpr std::uint32_t k_attacher = socket_holders::k_attacher;

// One process's pair: it keeps `keep`; shuntd is given `daemon_end`.
struct pair_fds {
    int keep = -1, daemon_end = -1;
    pair_fds() {
        int p[2];
        EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p), 0);
        keep = p[0];
        daemon_end = p[1];
    }
    // The process dies: its kept end closes.
    void die() {
        if (keep >= 0) close(keep);
        keep = -1;
    }
    ~pair_fds() { die(); }
};

std::vector<std::uint32_t> reaped(socket_holders& h) {
    std::vector<std::uint32_t> out;
    h.reap([&out](std::uint32_t sock) { out.push_back(sock); });
    std::sort(out.begin(), out.end());
    return out;
}

int open_fds() {
    int n = 0;
    for (int fd = 0; fd < 1024; ++fd) n += fcntl(fd, F_GETFD) >= 0;
    return n;
}

TEST(SocketHolders, BeforeAnyForkTheAttacherAloneHoldsAndItsCloseIsTheLast) {
    socket_holders h(8);
    h.opened(3, k_attacher);
    EXPECT_EQ(h.resolve(k_attacher), k_attacher);
    EXPECT_EQ(h.poll_fd(), -1);  // nothing to watch until a fork
    EXPECT_TRUE(h.release(3, k_attacher));
    EXPECT_FALSE(h.release(3, k_attacher));  // a second close of it is nobody's
}

TEST(SocketHolders, AForkedChildHoldsWhatItsParentHeldUntilBothLetGo) {
    socket_holders h(8);
    h.opened(1, k_attacher);
    h.opened(2, k_attacher);
    pair_fds parent, child;
    const auto ids = h.fork(k_attacher, child.daemon_end, parent.daemon_end);
    ASSERT_NE(ids.caller, k_attacher);
    ASSERT_NE(ids.child, ids.caller);
    // The attacher's old id now names its own holder (a call in flight at the fork).
    EXPECT_EQ(h.resolve(k_attacher), ids.caller);
    EXPECT_EQ(h.resolve(ids.child), ids.child);
    EXPECT_FALSE(h.release(1, ids.caller));  // the child still holds it
    EXPECT_TRUE(h.release(1, ids.child));
    EXPECT_FALSE(h.release(2, ids.child));
    EXPECT_TRUE(h.release(2, ids.caller));
    // A socket opened after the fork is the opener's alone.
    h.opened(5, ids.child);
    EXPECT_FALSE(h.release(5, ids.caller));
    EXPECT_TRUE(h.release(5, ids.child));
}

TEST(SocketHolders, AKilledChildLetsGoOfWhatItAloneHeldAndNothingElse) {
    socket_holders h(8);
    h.opened(1, k_attacher);  // the parent's connection, also in the child
    h.opened(2, k_attacher);  // the child's connection: the parent closes its copy
    pair_fds parent, child;
    const auto ids = h.fork(k_attacher, child.daemon_end, parent.daemon_end);
    EXPECT_FALSE(h.release(2, ids.caller));
    EXPECT_TRUE(reaped(h).empty());  // everyone alive
    child.die();                     // kill -9
    EXPECT_EQ(reaped(h), std::vector<std::uint32_t>{2});
    EXPECT_EQ(h.resolve(ids.child), std::nullopt);
    EXPECT_TRUE(h.release(1, ids.caller));  // the parent's close is the last now
}

TEST(SocketHolders, AKilledParentLetsGoWhileItsChildrenLive) {
    // The control connection stays open in the children: only the parent's
    // own holder shows its death.
    socket_holders h(8);
    h.opened(1, k_attacher);
    pair_fds parent, child;
    const auto ids = h.fork(k_attacher, child.daemon_end, parent.daemon_end);
    EXPECT_FALSE(h.release(1, ids.child));  // the child closes its copy
    parent.die();
    EXPECT_EQ(reaped(h), std::vector<std::uint32_t>{1});
    EXPECT_EQ(h.resolve(k_attacher), std::nullopt);  // the attacher is gone
    EXPECT_EQ(h.resolve(ids.child), ids.child);
}

TEST(SocketHolders, GrandchildrenCountOnceEach) {
    socket_holders h(8);
    h.opened(4, k_attacher);
    pair_fds a, b, c;
    const auto first = h.fork(k_attacher, b.daemon_end, a.daemon_end);
    const auto second = h.fork(first.child, c.daemon_end, -1);
    EXPECT_EQ(second.caller, first.child);
    EXPECT_EQ(h.holders(), 3u);
    a.die();
    b.die();
    EXPECT_TRUE(reaped(h).empty());  // the grandchild still holds it
    c.die();
    EXPECT_EQ(reaped(h), std::vector<std::uint32_t>{4});
    EXPECT_EQ(h.holders(), 0u);
}

TEST(SocketHolders, WhatAnAppNamesIsCheckedNotTrusted) {
    socket_holders h(4);
    h.opened(1, k_attacher);
    EXPECT_EQ(h.resolve(7), std::nullopt);
    EXPECT_EQ(h.resolve(0xffffffffu), std::nullopt);
    EXPECT_FALSE(h.release(1, 7));      // not a holder of it
    EXPECT_FALSE(h.release(99, k_attacher));  // no such socket
    h.opened(99, k_attacher);           // ignored
    EXPECT_TRUE(h.release(1, k_attacher));
}

TEST(SocketHolders, AFullTableMakesTheChildShareItsParentsHolder) {
    constexpr std::uint32_t k_max = 8;
    socket_holders h(2, k_max);
    h.opened(0, k_attacher);
    std::vector<pair_fds> kids(k_max);
    pair_fds own;
    auto ids = h.fork(k_attacher, kids[0].daemon_end, own.daemon_end);
    for (std::size_t i = 1; i + 1 < kids.size(); ++i) (void)h.fork(ids.caller, kids[i].daemon_end, -1);
    EXPECT_EQ(h.holders(), k_max);
    pair_fds extra;
    const auto shared = h.fork(ids.caller, extra.daemon_end, -1);  // closed by the table
    extra.daemon_end = -1;
    EXPECT_EQ(shared.child, shared.caller);
    // Counted twice now: the parent's close and the sharing child's close.
    for (std::size_t i = 0; i + 1 < kids.size(); ++i) kids[i].die();
    EXPECT_TRUE(reaped(h).empty());
    EXPECT_FALSE(h.release(0, ids.caller));
    EXPECT_TRUE(h.release(0, ids.caller));
}

TEST(SocketHolders, EveryFdItWasGivenIsClosedWithIt) {
    const int before = open_fds();
    {
        socket_holders h(4);
        h.opened(0, k_attacher);
        pair_fds a, b;
        (void)h.fork(k_attacher, b.daemon_end, a.daemon_end);
        a.daemon_end = b.daemon_end = -1;  // taken
        b.die();
        (void)reaped(h);
    }
    EXPECT_EQ(open_fds(), before);
}

}  // namespace
}  // namespace shunt::daemon
