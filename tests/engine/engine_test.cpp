// The socket engine (daemon/session, tcp_socket, udp_socket) driven the way
// shuntd's worker drives it, with the app's side played by fake_app and the
// wire replaced by lwIP's loopback netif: no DPDK, no daemon process. What a
// user of libshunt would see is asserted: calls' results and errnos, bytes
// through the rings, notify fds' readiness, and sessions ended (never the
// daemon) for every kind of segment corruption.
#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#undef TCP_MSS  // <netinet/tcp.h>'s obsolete option name; lwIP's setting is meant
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "lwip/tcp.h"
#include "shm/datagram.hpp"
#include "tests/engine/fake_app.hpp"

namespace shunt::test {
namespace {

short revents(int fd) {
    pollfd p{fd, POLLIN | POLLOUT | POLLRDHUP, 0};
    return ::poll(&p, 1, 0) > 0 ? p.revents : 0;
}

// A listener on 127.0.0.1:port and a client connected to it, accepted.
struct tcp_pair {
    fake_app::opened listener, client, server;
};

tcp_pair connect_pair(fake_app& app, std::uint16_t port) {
    tcp_pair p;
    p.listener = app.open(SOCK_STREAM);
    EXPECT_EQ(p.listener.result, 0);
    EXPECT_EQ(app.bind(p.listener.id, "127.0.0.1", port), 0);
    EXPECT_EQ(app.listen(p.listener.id), 0);
    p.client = app.open(SOCK_STREAM);
    EXPECT_EQ(app.connect(p.client.id, "127.0.0.1", port), -EINPROGRESS);
    EXPECT_TRUE(app.pump_until([&] { return app.status(p.client.id) & shm::st_connected; }));
    EXPECT_TRUE(app.pump_until([&] { return app.view().socket(p.listener.id)->accept_ready.load() > 0; }));
    EXPECT_TRUE(revents(p.listener.notify) & POLLIN) << "a connection to accept makes the listener readable";
    p.server = app.accept(p.listener.id);
    EXPECT_EQ(p.server.result, 0);
    return p;
}

TEST(Engine, TcpOverLoopbackCarriesBytesBothWays) {
    fake_app app;
    auto p = connect_pair(app, 5001);
    EXPECT_TRUE(revents(p.client.notify) & POLLOUT) << "connected: writable";
    // More than the ring holds: the app refills as shuntd drains.
    std::string msg(200000, '\0');
    for (std::size_t i = 0; i < msg.size(); ++i) msg[i] = static_cast<char>(i * 31);
    std::size_t sent = 0;
    std::string got;
    ASSERT_TRUE(app.pump_until([&] {
        if (sent < msg.size()) sent += app.send(p.client.id, msg.data() + sent, msg.size() - sent);
        got += app.recv(p.server.id);
        return got.size() >= msg.size();
    }));
    EXPECT_EQ(got, msg);
    EXPECT_EQ(app.send(p.server.id, "pong", 4), 4u);
    std::string back;
    ASSERT_TRUE(app.pump_until([&] {
        back += app.recv(p.client.id);
        return back.size() >= 4;
    }));
    EXPECT_EQ(back, "pong");
    EXPECT_TRUE(revents(p.client.notify) & POLLIN) << "bytes arrived: readable";
    EXPECT_TRUE(app.alive());
}

// The 127.0.0.1 loop interface has no MTU: its connections move segments of
// TCP_MSS (16344 bytes), not a 1500-byte wire's 1460 (stack/lwipopts.h).
TEST(Engine, LoopbackConnectionsUseLargeSegments) {
    fake_app app;
    auto p = connect_pair(app, 5002);
    EXPECT_EQ(app.getopt(p.client.id, IPPROTO_TCP, TCP_MAXSEG), 16344);
    EXPECT_EQ(app.getopt(p.server.id, IPPROTO_TCP, TCP_MAXSEG), 16344);
    EXPECT_EQ(app.getopt(p.listener.id, IPPROTO_TCP, TCP_MAXSEG), 1460) << "no connection: the wire's default";
}

// Moves `n` bytes from one connected socket to the other; true if they all
// arrived intact.
bool transfer(fake_app& app, std::uint32_t from, std::uint32_t to, std::size_t n) {
    std::string chunk(65536, '\0');
    std::size_t sent = 0, got = 0;
    bool same = true;
    const bool done = app.pump_until(
        [&] {
            while (sent < n) {
                const std::size_t want = std::min(chunk.size(), n - sent);
                for (std::size_t i = 0; i < want; ++i) chunk[i] = static_cast<char>((sent + i) * 7);
                const std::size_t w = app.send(from, chunk.data(), want);
                sent += w;
                if (w < want) break;
            }
            const std::string r = app.recv(to);
            for (std::size_t i = 0; i < r.size(); ++i) same &= r[i] == static_cast<char>((got + i) * 7);
            got += r.size();
            return got >= n;
        },
        60.0);
    return done && same && got == n;
}

TEST(Engine, DataFromOneByteToSixtyFourMebibytes) {
    fake_app::options o;
    o.ring_bytes = 256 * 1024;
    fake_app app(o);
    auto p = connect_pair(app, 5010);
    EXPECT_TRUE(transfer(app, p.client.id, p.server.id, 1));
    EXPECT_TRUE(transfer(app, p.server.id, p.client.id, 1));
    EXPECT_TRUE(transfer(app, p.client.id, p.server.id, 64u << 20));
    EXPECT_TRUE(transfer(app, p.server.id, p.client.id, 3u << 20));
    EXPECT_TRUE(app.alive());
}

TEST(Engine, FinBothWays) {
    fake_app app;
    auto p = connect_pair(app, 5011);
    shm::command c{};
    c.opcode = static_cast<std::uint32_t>(shm::op::shutdown);
    c.sock = p.client.id;
    c.a = SHUT_WR;
    EXPECT_EQ(app.call(c).result, 0);
    ASSERT_TRUE(app.pump_until([&] { return app.status(p.server.id) & shm::st_rx_eof; }));
    EXPECT_EQ(app.send(p.server.id, "after fin", 9), 9u) << "the other half still sends";
    std::string got;
    ASSERT_TRUE(app.pump_until([&] {
        got += app.recv(p.client.id);
        return got.size() >= 9;
    }));
    EXPECT_EQ(got, "after fin");
    c.sock = p.server.id;
    EXPECT_EQ(app.call(c).result, 0);
    ASSERT_TRUE(app.pump_until([&] { return app.status(p.client.id) & shm::st_rx_eof; }));
    EXPECT_TRUE(revents(p.client.notify) & POLLRDHUP);
}

TEST(Engine, RstBothWays) {
    fake_app app;
    for (int dir = 0; dir < 2; ++dir) {
        auto p = connect_pair(app, static_cast<std::uint16_t>(5012 + dir));
        const auto resetter = dir == 0 ? p.client : p.server;
        const auto victim = dir == 0 ? p.server : p.client;
        shm::command c{};
        c.opcode = static_cast<std::uint32_t>(shm::op::close);
        c.sock = resetter.id;
        c.a = 1;  // SO_LINGER 0
        EXPECT_EQ(app.call(c).result, 0);
        ::close(resetter.notify);
        ASSERT_TRUE(app.pump_until([&] { return app.status(victim.id) & shm::st_error; })) << "direction " << dir;
        EXPECT_EQ(app.view().socket(victim.id)->so_error.load(), ECONNRESET);
        EXPECT_TRUE(revents(victim.notify) & POLLHUP);
    }
}

// Beyond the backlog a handshake waits, as on Linux (the SYN is dropped and
// retransmitted); tests/engine/accept_overflow_test.cpp sees it complete.
TEST(Engine, BacklogOverflowMakesTheExtraConnectionWait) {
    fake_app app;
    auto l = app.open(SOCK_STREAM);
    ASSERT_EQ(app.bind(l.id, "127.0.0.1", 5014), 0);
    ASSERT_EQ(app.listen(l.id, 2), 0);
    std::vector<fake_app::opened> clients;
    for (int i = 0; i < 3; ++i) {
        clients.push_back(app.open(SOCK_STREAM));
        EXPECT_EQ(app.connect(clients.back().id, "127.0.0.1", 5014), -EINPROGRESS);
        app.pump(20);
    }
    app.pump_until([] { return false; }, 0.3);
    EXPECT_EQ(app.view().socket(l.id)->accept_ready.load(), 2u) << "the backlog holds two";
    EXPECT_TRUE(app.status(clients[0].id) & shm::st_connected);
    EXPECT_FALSE(app.status(clients[0].id) & shm::st_error);
    EXPECT_FALSE(app.status(clients[2].id) & shm::st_error) << "the third is not reset";
    EXPECT_FALSE(app.status(clients[2].id) & shm::st_connected) << "the third waits";
    EXPECT_EQ(app.accept(l.id).result, 0);
    EXPECT_EQ(app.accept(l.id).result, 0);
    EXPECT_EQ(app.accept(l.id).result, -EAGAIN) << "nothing more to accept yet";
}

TEST(Engine, EphemeralPortExhaustion) {
    fake_app app;
    // Take every ephemeral port lwIP has (IANA's 49152-65535) with bare pcbs.
    std::vector<tcp_pcb*> taken;
    for (;;) {
        tcp_pcb* pcb = tcp_new();
        ASSERT_NE(pcb, nullptr);
        if (tcp_bind(pcb, IP4_ADDR_ANY, 0) != ERR_OK) {
            tcp_abort(pcb);
            break;
        }
        taken.push_back(pcb);
    }
    EXPECT_GT(taken.size(), 16000u);  // all but the few earlier tests still hold
    auto c = app.open(SOCK_STREAM);
    EXPECT_EQ(app.connect(c.id, "127.0.0.1", 5015), -EADDRNOTAVAIL);
    auto b = app.open(SOCK_STREAM);
    EXPECT_EQ(app.bind(b.id, "127.0.0.1", 0), -EADDRINUSE);
    for (tcp_pcb* pcb : taken) tcp_abort(pcb);
    auto d = app.open(SOCK_STREAM);
    EXPECT_EQ(app.connect(d.id, "127.0.0.1", 5015), -EINPROGRESS) << "ports are back";
}

TEST(Engine, CloseSendsQueuedBytesThenEof) {
    fake_app app;
    auto p = connect_pair(app, 5002);
    EXPECT_EQ(app.send(p.client.id, "last words", 10), 10u);
    EXPECT_EQ(app.close(p.client.id), 0);
    ::close(p.client.notify);
    std::string got;
    ASSERT_TRUE(app.pump_until([&] {
        got += app.recv(p.server.id);
        return (app.status(p.server.id) & shm::st_rx_eof) != 0;
    }));
    got += app.recv(p.server.id);
    EXPECT_EQ(got, "last words");
    EXPECT_TRUE(revents(p.server.notify) & POLLRDHUP) << "the peer's FIN: EOF on the notify fd";
}

TEST(Engine, ConnectionRefusedAndAddressErrors) {
    fake_app app;
    auto c = app.open(SOCK_STREAM);
    EXPECT_EQ(app.connect(c.id, "127.0.0.1", 5999), -EINPROGRESS);
    ASSERT_TRUE(app.pump_until([&] { return app.status(c.id) & shm::st_error; }));
    EXPECT_EQ(app.view().socket(c.id)->so_error.load(), ECONNREFUSED);
    EXPECT_TRUE(revents(c.notify) & POLLHUP) << "refused: the notify fd hangs up";
    auto b = app.open(SOCK_STREAM);
    EXPECT_EQ(app.bind(b.id, "10.9.9.9", 80), -EADDRNOTAVAIL);
    EXPECT_EQ(app.bind(b.id, "127.0.0.1", 5003), 0);
    EXPECT_EQ(app.bind(b.id, "127.0.0.1", 5004), -EINVAL) << "already bound";
    EXPECT_EQ(app.open(12345).result, -EPROTONOSUPPORT);
    EXPECT_TRUE(app.alive());
}

TEST(Engine, UdpDatagramsKeepBoundariesAndSources) {
    fake_app app;
    auto a = app.open(SOCK_DGRAM);
    auto b = app.open(SOCK_DGRAM);
    ASSERT_EQ(app.bind(a.id, "127.0.0.1", 6001), 0);
    ASSERT_EQ(app.bind(b.id, "127.0.0.1", 6002), 0);
    EXPECT_TRUE(revents(b.notify) & POLLOUT) << "a UDP socket is writable at once";
    auto* sh = app.view().socket(b.id);
    shm::byte_ring_producer tx(&sh->tx, app.view().tx_data(b.id), app.view().geometry().ring_bytes);
    for (const char* m : {"one", "three"}) {
        shm::dgram_header h{};
        h.len = static_cast<std::uint32_t>(std::strlen(m));
        h.addr = inet_addr("127.0.0.1");
        h.port = htons(6001);
        ASSERT_TRUE(shm::dgram_write(tx, h, [m](auto&& put) { put(m, std::strlen(m)); }));
    }
    app.ring(shm::ring_kind::tx_ready, b.id);
    auto* ash = app.view().socket(a.id);
    shm::byte_ring_consumer rx(&ash->rx, app.view().rx_data(a.id), app.view().geometry().ring_bytes);
    shm::dgram_header h{};
    ASSERT_TRUE(app.pump_until([&] { return rx.readable() > 0; }));
    app.pump(5);
    std::string got[2];
    for (auto& g : got) {
        ASSERT_EQ(shm::dgram_peek(rx, &h), shm::dgram_status::ok);
        g.resize(h.len);
        shm::dgram_copy_payload(rx, h, g.data(), h.len);
        EXPECT_EQ(ntohs(h.port), 6002) << "the sender's port";
        EXPECT_EQ(h.addr, inet_addr("127.0.0.1"));
        shm::dgram_consume(rx, h);
    }
    EXPECT_EQ(got[0], "one");
    EXPECT_EQ(got[1], "three");
    EXPECT_TRUE(revents(a.notify) & POLLIN);
    // And back: a reply to the source the datagram carried.
    auto* ash_tx = &ash->tx;
    shm::byte_ring_producer reply(ash_tx, app.view().tx_data(a.id), app.view().geometry().ring_bytes);
    shm::dgram_header r{};
    r.len = 5;
    r.addr = inet_addr("127.0.0.1");
    r.port = htons(6002);
    ASSERT_TRUE(shm::dgram_write(reply, r, [](auto&& put) { put("reply", 5); }));
    app.ring(shm::ring_kind::tx_ready, a.id);
    shm::byte_ring_consumer brx(&sh->rx, app.view().rx_data(b.id), app.view().geometry().ring_bytes);
    ASSERT_TRUE(app.pump_until([&] { return brx.readable() > 0; }));
    ASSERT_EQ(shm::dgram_peek(brx, &h), shm::dgram_status::ok);
    std::string back(h.len, '\0');
    shm::dgram_copy_payload(brx, h, back.data(), h.len);
    EXPECT_EQ(back, "reply");
    EXPECT_EQ(ntohs(h.port), 6001);
}

TEST(Engine, AppLimitsGiveEmfileAndEnobufs) {
    fake_app::options o;
    o.max_sockets = 2;
    fake_app app(o);
    EXPECT_EQ(app.open(SOCK_STREAM).result, 0);
    EXPECT_EQ(app.open(SOCK_STREAM).result, 0);
    EXPECT_EQ(app.open(SOCK_STREAM).result, -EMFILE);
    fake_app::options m;
    m.max_memory = 3 * 2 * 16384;  // three sockets' rings
    fake_app small(m);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(small.open(SOCK_DGRAM).result, 0);
    EXPECT_EQ(small.open(SOCK_DGRAM).result, -ENOBUFS);
    EXPECT_TRUE(app.alive() && small.alive());
}

// --- An app that breaks the protocol ends its own session, with a reason.

TEST(EngineValidation, CallSlotOutOfRange) {
    fake_app app;
    app.ring(shm::ring_kind::call, 9999);
    app.pump();
    EXPECT_FALSE(app.alive());
    EXPECT_NE(app.failure().find("call slot 9999 out of range"), std::string::npos) << app.failure();
}

TEST(EngineValidation, UnknownOpcode) {
    fake_app app;
    auto s = app.open(SOCK_STREAM);
    shm::command c{};
    c.opcode = 77;
    c.sock = s.id;
    (void)app.call(c);
    EXPECT_FALSE(app.alive());
    EXPECT_NE(app.failure().find("unknown opcode"), std::string::npos) << app.failure();
}

TEST(EngineValidation, DoorbellForASocketOutOfRange) {
    fake_app app;
    app.ring(shm::ring_kind::tx_ready, 100000);
    app.pump();
    EXPECT_FALSE(app.alive());
    EXPECT_NE(app.failure().find("out of range"), std::string::npos) << app.failure();
}

TEST(EngineValidation, CorruptSendRing) {
    fake_app app;
    auto p = connect_pair(app, 5006);
    app.view().socket(p.client.id)->tx.tail.store(1u << 30);  // more than the ring holds
    app.ring(shm::ring_kind::tx_ready, p.client.id);
    app.pump();
    EXPECT_FALSE(app.alive());
    EXPECT_NE(app.failure().find("corrupt send ring"), std::string::npos) << app.failure();
}

TEST(EngineValidation, CorruptDatagramRecord) {
    fake_app app;
    auto u = app.open(SOCK_DGRAM);
    auto* sh = app.view().socket(u.id);
    shm::byte_ring_producer tx(&sh->tx, app.view().tx_data(u.id), app.view().geometry().ring_bytes);
    shm::dgram_header h{};
    h.len = 60000;  // claims more than was published
    tx.write(&h, sizeof h);
    app.ring(shm::ring_kind::tx_ready, u.id);
    app.pump();
    EXPECT_FALSE(app.alive());
    EXPECT_NE(app.failure().find("corrupt send ring"), std::string::npos) << app.failure();
}

TEST(EngineValidation, OverwrittenHeaderFailsTheAudit) {
    fake_app app;
    app.view().header()->geometry.max_sockets = 1u << 30;
    app.pump();
    EXPECT_FALSE(app.alive());
    EXPECT_NE(app.failure().find("header was overwritten"), std::string::npos) << app.failure();
}

TEST(EngineValidation, ImpossibleCommandRingPosition) {
    fake_app app;
    app.view().ring()->enqueue_pos.store(std::uint64_t{1} << 40);
    app.pump();
    EXPECT_FALSE(app.alive());
    EXPECT_NE(app.failure().find("command ring"), std::string::npos) << app.failure();
}

TEST(EngineValidation, OpenWithoutANotifyFd) {
    fake_app app;
    shm::command c{};
    c.opcode = static_cast<std::uint32_t>(shm::op::open);
    c.a = SOCK_STREAM;
    (void)app.call(c);  // no fd sent for its tag
    EXPECT_FALSE(app.alive());
    EXPECT_NE(app.failure().find("no notify fd"), std::string::npos) << app.failure();
}

TEST(EngineValidation, NotifyFdOfTheWrongKind) {
    fake_app app;
    int p[2];
    ASSERT_EQ(pipe(p), 0);
    shm::command c{};
    c.opcode = static_cast<std::uint32_t>(shm::op::open);
    c.a = SOCK_STREAM;
    (void)app.call(c, p[0]);
    ::close(p[0]);
    ::close(p[1]);
    EXPECT_FALSE(app.alive());
    EXPECT_NE(app.failure().find("not a unix stream socket"), std::string::npos) << app.failure();
}

// A session that failed leaves others untouched.
TEST(EngineValidation, OneAppsFailureLeavesAnotherWorking) {
    fake_app good, bad;
    auto p = connect_pair(good, 5007);
    bad.ring(shm::ring_kind::call, 12345);
    bad.pump();
    EXPECT_FALSE(bad.alive());
    EXPECT_EQ(good.send(p.client.id, "still here", 10), 10u);
    std::string got;
    ASSERT_TRUE(good.pump_until([&] {
        got += good.recv(p.server.id);
        return got.size() >= 10;
    }));
    EXPECT_EQ(got, "still here");
}

}  // namespace
}  // namespace shunt::test
