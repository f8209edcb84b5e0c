// Issue 20 item 4: no app takes a port the kernel would refuse it
// (daemon/bind_conflict.hpp). Apps of two uids on one engine; each case is
// what Linux answers (checked on this machine's kernel with the same calls).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <initializer_list>

#include "daemon/bind_conflict.hpp"
#include "lwip/priv/tcp_priv.h"
#include "tests/engine/fake_app.hpp"

namespace shunt::test {
namespace {

using daemon::bind_rules::claim;

constexpr uid_t k_nobody = 65534;

fake_app::options as(uid_t uid) {
    fake_app::options o;
    o.max_sockets = 16;
    o.uid = uid;
    return o;
}

struct socket_in {
    fake_app& app;
    fake_app::opened s;
    socket_in(fake_app& a, int type) : app(a), s(a.open(type)) {}
    ~socket_in() {
        if (s.notify >= 0) {
            (void)app.close(s.id);  // the test is over; what close says does not matter here
            ::close(s.notify);
        }
    }
    std::int64_t opt(int name) { return app.setopt(s.id, SOL_SOCKET, name, 1); }
    std::int64_t bind(const char* ip, std::uint16_t port) { return app.bind(s.id, ip, port); }
    std::int64_t listen() { return app.listen(s.id); }
};

// `l` listens on ip:port with `option` (SO_REUSEADDR, SO_REUSEPORT) set first.
void listen_with(socket_in& l, int option, const char* ip, std::uint16_t port) {
    ASSERT_EQ(l.opt(option), 0);
    ASSERT_EQ(l.bind(ip, port), 0);
    ASSERT_EQ(l.listen(), 0);
}

// A socket of `app` with `options` set may bind port neither on 127.0.0.1
// nor on 0.0.0.0.
void expect_refused_everywhere(fake_app& app, std::initializer_list<int> options, std::uint16_t port) {
    socket_in s(app, SOCK_STREAM);
    for (int o : options) ASSERT_EQ(s.opt(o), 0);
    EXPECT_EQ(s.bind("127.0.0.1", port), -EADDRINUSE);
    EXPECT_EQ(s.bind("0.0.0.0", port), -EADDRINUSE);
}

// The rules alone, as inet_bind_conflict and udp_lib_lport_inuse state them.
TEST(BindRules, TcpFollowsLinux) {
    claim any{0, true, false, true, 0};
    claim mine{htonl(0x7f000001), true, false, false, k_nobody};
    EXPECT_TRUE(daemon::bind_rules::tcp_conflict(mine, any)) << "SO_REUSEADDR never overrides a listener";
    any.listening = false;
    EXPECT_FALSE(daemon::bind_rules::tcp_conflict(mine, any)) << "both SO_REUSEADDR, nobody listens";
    mine.reuseaddr = false;
    EXPECT_TRUE(daemon::bind_rules::tcp_conflict(mine, any));
    claim group{0, false, true, true, 0};
    claim joiner{0, false, true, false, 0};
    EXPECT_FALSE(daemon::bind_rules::tcp_conflict(joiner, group)) << "SO_REUSEPORT, one uid";
    joiner.uid = k_nobody;
    EXPECT_TRUE(daemon::bind_rules::tcp_conflict(joiner, group)) << "SO_REUSEPORT, another uid";
    joiner.uid.reset();
    group.uid.reset();
    EXPECT_TRUE(daemon::bind_rules::tcp_conflict(joiner, group)) << "no owner is never the same uid";
    claim elsewhere{htonl(0x0a000001), false, false, true, 0};
    claim here{htonl(0x7f000001), false, false, false, k_nobody};
    EXPECT_FALSE(daemon::bind_rules::tcp_conflict(here, elsewhere)) << "two addresses do not overlap";
}

TEST(BindRules, UdpFollowsLinux) {
    claim any{0, true, false, false, 0};
    claim mine{htonl(0x7f000001), true, false, false, k_nobody};
    EXPECT_FALSE(daemon::bind_rules::udp_conflict(mine, any)) << "both SO_REUSEADDR: any uid (multicast)";
    mine.reuseaddr = false;
    EXPECT_TRUE(daemon::bind_rules::udp_conflict(mine, any));
    claim group{htonl(0x7f000001), false, true, false, 0};
    claim joiner{0, false, true, false, k_nobody};
    EXPECT_TRUE(daemon::bind_rules::udp_conflict(joiner, group)) << "SO_REUSEPORT, another uid, wildcard";
    joiner.uid = 0;
    EXPECT_FALSE(daemon::bind_rules::udp_conflict(joiner, group));
}

// The confirmed run: root listens on 0.0.0.0:P with SO_REUSEADDR; nobody,
// with SO_REUSEADDR too, binds <address>:P. lwIP allowed it and then sent
// that address's SYNs to nobody's listener.
TEST(PortTakeover, ReuseaddrDoesNotOverrideAListener) {
    fake_app root(as(0)), stranger(as(k_nobody));
    socket_in l(root, SOCK_STREAM);
    listen_with(l, SO_REUSEADDR, "0.0.0.0", 18080);
    expect_refused_everywhere(stranger, {SO_REUSEADDR}, 18080);
    socket_in same_uid(root, SOCK_STREAM);
    ASSERT_EQ(same_uid.opt(SO_REUSEADDR), 0);
    EXPECT_EQ(same_uid.bind("127.0.0.1", 18080), -EADDRINUSE) << "Linux refuses the listener's own uid too";
    EXPECT_TRUE(root.alive() && stranger.alive());
}

// Two sockets with SO_REUSEADDR may both bind; only one may listen.
TEST(PortTakeover, OnlyOneOfTheReuseaddrSocketsListens) {
    fake_app root(as(0)), stranger(as(k_nobody));
    socket_in any(root, SOCK_STREAM), specific(stranger, SOCK_STREAM);
    ASSERT_EQ(any.opt(SO_REUSEADDR), 0);
    ASSERT_EQ(specific.opt(SO_REUSEADDR), 0);
    ASSERT_EQ(any.bind("0.0.0.0", 18081), 0);
    ASSERT_EQ(specific.bind("127.0.0.1", 18081), 0) << "nobody listens yet";
    ASSERT_EQ(any.listen(), 0);
    EXPECT_EQ(specific.listen(), -EADDRINUSE);
}

// SO_REUSEPORT shares a port within one uid only, whichever address each binds.
TEST(PortTakeover, ReuseportGroupsStayWithinOneUid) {
    fake_app root(as(0)), stranger(as(k_nobody));
    socket_in l(root, SOCK_STREAM);
    listen_with(l, SO_REUSEPORT, "127.0.0.1", 18082);
    expect_refused_everywhere(stranger, {SO_REUSEPORT, SO_REUSEADDR}, 18082);
}

// A connection left in TIME_WAIT holds the port with its listener's
// SO_REUSEADDR: a new socket with the option binds only if the old one had
// it too (Linux: tw_reuse is copied from the socket).
void timewait_on(std::uint16_t port, bool old_reuseaddr, std::int64_t expected) {
    fake_app server(as(0)), client(as(0));
    socket_in l(server, SOCK_STREAM);
    if (old_reuseaddr) {
        ASSERT_EQ(l.opt(SO_REUSEADDR), 0);
    }
    ASSERT_EQ(l.bind("127.0.0.1", port), 0);
    ASSERT_EQ(l.listen(), 0);
    socket_in c(client, SOCK_STREAM);
    ASSERT_EQ(client.connect(c.s.id, "127.0.0.1", port), -EINPROGRESS);
    ASSERT_TRUE(server.pump_until([&] { return server.view().socket(l.s.id)->accept_ready.load() > 0; }));
    auto a = server.accept(l.s.id);
    ASSERT_EQ(a.result, 0);
    // The server closes first, so its side ends in TIME_WAIT.
    EXPECT_EQ(server.close(a.id), 0);
    ::close(a.notify);
    client.pump_until([&] { return (client.status(c.s.id) & shm::st_rx_eof) != 0; });
    EXPECT_EQ(client.close(c.s.id), 0);
    ::close(c.s.notify);
    c.s.notify = -1;
    for (int i = 0; i < 20; ++i) {
        server.pump();
        client.pump();
    }
    bool in_time_wait = false;
    for (const tcp_pcb* p = tcp_tw_pcbs; p; p = p->next) in_time_wait |= p->local_port == port;
    ASSERT_TRUE(in_time_wait);
    EXPECT_EQ(server.close(l.s.id), 0);
    ::close(l.s.notify);
    l.s.notify = -1;
    socket_in again(server, SOCK_STREAM);
    ASSERT_EQ(again.opt(SO_REUSEADDR), 0);
    EXPECT_EQ(again.bind("127.0.0.1", port), expected);
}

TEST(PortTakeover, TimeWaitKeepsItsListenersReuseaddr) {
    timewait_on(18083, true, 0);
    timewait_on(18084, false, -EADDRINUSE);
}

// UDP: SO_REUSEADDR on both shares a port across uids (as on Linux), but a
// SO_REUSEPORT group is closed to another uid on any overlapping address.
TEST(PortTakeover, UdpFollowsLinux) {
    fake_app root(as(0)), stranger(as(k_nobody));
    socket_in shared(root, SOCK_DGRAM), joiner(stranger, SOCK_DGRAM);
    ASSERT_EQ(shared.opt(SO_REUSEADDR), 0);
    ASSERT_EQ(shared.bind("0.0.0.0", 18085), 0);
    socket_in plain(stranger, SOCK_DGRAM);
    EXPECT_EQ(plain.bind("127.0.0.1", 18085), -EADDRINUSE);
    ASSERT_EQ(joiner.opt(SO_REUSEADDR), 0);
    EXPECT_EQ(joiner.bind("127.0.0.1", 18085), 0);

    socket_in group(root, SOCK_DGRAM), member(root, SOCK_DGRAM);
    ASSERT_EQ(group.opt(SO_REUSEPORT), 0);
    ASSERT_EQ(member.opt(SO_REUSEPORT), 0);
    ASSERT_EQ(group.bind("127.0.0.1", 18086), 0);
    ASSERT_EQ(member.bind("0.0.0.0", 18086), 0) << "one uid, overlapping addresses";
    socket_in thief(stranger, SOCK_DGRAM);
    ASSERT_EQ(thief.opt(SO_REUSEPORT), 0);
    EXPECT_EQ(thief.bind("0.0.0.0", 18086), -EADDRINUSE);
    EXPECT_EQ(thief.bind("127.0.0.1", 18086), -EADDRINUSE);
}

}  // namespace
}  // namespace shunt::test
