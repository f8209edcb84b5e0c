// The socket engine (daemon/session, tcp_socket, udp_socket) driven the way
// shuntd's worker drives it, with the app's side played by fake_app and the
// wire replaced by lwIP's loopback netif: no DPDK, no daemon process. What a
// user of libshunt would see is asserted: calls' results and errnos, bytes
// through the rings, notify fds' readiness, and sessions ended (never the
// daemon) for every kind of segment corruption.
#include <gtest/gtest.h>
#include <arpa/inet.h>
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

TEST(Engine, BacklogOverflowResetsTheExtraConnection) {
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
    ASSERT_TRUE(app.pump_until([&] { return app.status(clients[2].id) & shm::st_error; }));
    EXPECT_EQ(app.view().socket(l.id)->accept_ready.load(), 2u) << "the backlog holds two";
    EXPECT_TRUE(app.status(clients[0].id) & shm::st_connected);
    EXPECT_FALSE(app.status(clients[0].id) & shm::st_error);
    EXPECT_EQ(app.view().socket(clients[2].id)->so_error.load(), ECONNRESET) << "the third is reset";
    EXPECT_EQ(app.accept(l.id).result, 0);
    EXPECT_EQ(app.accept(l.id).result, 0);
    EXPECT_EQ(app.accept(l.id).result, -EAGAIN) << "nothing more to accept";
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

TEST(Engine, UnprivilegedAppCannotBindLowPorts) {
    fake_app::options o;
    o.uid = 1000;
    fake_app app(o);
    auto s = app.open(SOCK_STREAM);
    EXPECT_EQ(app.bind(s.id, "127.0.0.1", 80), -EACCES);
    EXPECT_EQ(app.bind(s.id, "127.0.0.1", 5005), 0);
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

std::int64_t set_reuseport(fake_app& app, std::uint32_t id) {
    shm::command c{};
    c.opcode = static_cast<std::uint32_t>(shm::op::setopt);
    c.sock = id;
    c.a = SOL_SOCKET;
    c.b = SO_REUSEPORT;
    c.c = 1;
    return app.call(c).result;
}

// SO_REUSEPORT (daemon/reuseport.hpp): two apps of one uid share a port;
// connections spread over both listeners; a socket without the option, or
// of another uid, is refused; the group outlives the listener that holds
// its pcb.
TEST(Engine, ReuseportSharesAPortBetweenApps) {
    fake_app::options o;
    o.max_sockets = 64;
    fake_app a(o), b(o), clients(o);
    fake_app::options other = o;
    other.uid = 1000;
    fake_app stranger(other);
    auto la = a.open(SOCK_STREAM), lb = b.open(SOCK_STREAM);
    ASSERT_EQ(set_reuseport(a, la.id), 0);
    ASSERT_EQ(set_reuseport(b, lb.id), 0);
    ASSERT_EQ(a.bind(la.id, "127.0.0.1", 5016), 0);
    ASSERT_EQ(b.bind(lb.id, "127.0.0.1", 5016), 0) << "both set SO_REUSEPORT, same uid";
    auto plain = clients.open(SOCK_STREAM);
    EXPECT_EQ(clients.bind(plain.id, "127.0.0.1", 5016), -EADDRINUSE) << "no SO_REUSEPORT";
    auto foreign = stranger.open(SOCK_STREAM);
    ASSERT_EQ(set_reuseport(stranger, foreign.id), 0);
    EXPECT_EQ(stranger.bind(foreign.id, "127.0.0.1", 5016), -EADDRINUSE) << "another uid";
    ASSERT_EQ(b.listen(lb.id), 0) << "the second to bind listens first";
    ASSERT_EQ(a.listen(la.id), 0);

    auto pump_all = [&] {
        a.pump();
        b.pump();
        clients.pump();
    };
    auto waiting = [](fake_app& app, std::uint32_t id) { return app.view().socket(id)->accept_ready.load(); };
    std::vector<fake_app::opened> cs;
    for (int i = 0; i < 16; ++i) {
        cs.push_back(clients.open(SOCK_STREAM));
        ASSERT_EQ(clients.connect(cs.back().id, "127.0.0.1", 5016), -EINPROGRESS);
    }
    const double end = fake_app::now() + 5;
    while (fake_app::now() < end && waiting(a, la.id) + waiting(b, lb.id) < 16) pump_all();
    EXPECT_EQ(waiting(a, la.id) + waiting(b, lb.id), 16u);
    EXPECT_GT(waiting(a, la.id), 0u) << "connections spread over both listeners";
    EXPECT_GT(waiting(b, lb.id), 0u);
    std::vector<fake_app::opened> served;
    for (std::uint32_t n = waiting(b, lb.id); n > 0; --n) {
        served.push_back(b.accept(lb.id));
        EXPECT_EQ(served.back().result, 0);
    }

    // The listener holding the group's pcb (b, first to listen) closes: a
    // keeps accepting.
    EXPECT_EQ(b.close(lb.id), 0);
    ::close(lb.notify);
    const std::uint32_t before = waiting(a, la.id);
    auto late = clients.open(SOCK_STREAM);
    ASSERT_EQ(clients.connect(late.id, "127.0.0.1", 5016), -EINPROGRESS);
    const double end2 = fake_app::now() + 5;
    while (fake_app::now() < end2 && waiting(a, la.id) == before) pump_all();
    EXPECT_EQ(waiting(a, la.id), before + 1) << "the group lives on in a";
    EXPECT_TRUE(clients.status(late.id) & shm::st_connected);

    // The last member gone (and the connections it accepted reset: Linux
    // too refuses a bind while they hold the port), the port is free.
    EXPECT_EQ(a.close(la.id), 0);
    ::close(la.notify);
    for (const auto& c : served) {
        shm::command x{};
        x.opcode = static_cast<std::uint32_t>(shm::op::close);
        x.sock = c.id;
        x.a = 1;  // SO_LINGER 0: no TIME_WAIT left on the port
        EXPECT_EQ(b.call(x).result, 0);
        ::close(c.notify);
    }
    pump_all();
    auto again = clients.open(SOCK_STREAM);
    EXPECT_EQ(clients.bind(again.id, "127.0.0.1", 5016), 0);
}

// UDP SO_REUSEPORT: members of one uid share a port, each datagram goes to
// one of them by its source, a socket without the option is refused.
TEST(Engine, ReuseportSpreadsDatagrams) {
    fake_app::options o;
    o.max_sockets = 32;
    fake_app a(o), b(o), senders(o);
    auto ua = a.open(SOCK_DGRAM), ub = b.open(SOCK_DGRAM);
    ASSERT_EQ(set_reuseport(a, ua.id), 0);
    ASSERT_EQ(set_reuseport(b, ub.id), 0);
    ASSERT_EQ(a.bind(ua.id, "127.0.0.1", 5017), 0);
    ASSERT_EQ(b.bind(ub.id, "127.0.0.1", 5017), 0);
    auto plain = senders.open(SOCK_DGRAM);
    EXPECT_EQ(senders.bind(plain.id, "127.0.0.1", 5017), -EADDRINUSE) << "no SO_REUSEPORT";
    for (int i = 0; i < 16; ++i) {
        auto u = senders.open(SOCK_DGRAM);
        ASSERT_EQ(senders.bind(u.id, "127.0.0.1", 0), 0);
        auto* sh = senders.view().socket(u.id);
        shm::byte_ring_producer tx(&sh->tx, senders.view().tx_data(u.id), senders.view().geometry().ring_bytes);
        shm::dgram_header h{};
        h.len = 4;
        h.addr = inet_addr("127.0.0.1");
        h.port = htons(5017);
        ASSERT_TRUE(shm::dgram_write(tx, h, [](auto&& put) { put("ping", 4); }));
        senders.ring(shm::ring_kind::tx_ready, u.id);
        senders.pump(3);
        EXPECT_EQ(senders.close(u.id), 0);
        ::close(u.notify);
    }
    auto count = [](fake_app& app, std::uint32_t id) {
        auto* sh = app.view().socket(id);
        shm::byte_ring_consumer rx(&sh->rx, app.view().rx_data(id), app.view().geometry().ring_bytes);
        int n = 0;
        shm::dgram_header h{};
        while (shm::dgram_peek(rx, &h) == shm::dgram_status::ok) {
            shm::dgram_consume(rx, h);
            ++n;
        }
        return n;
    };
    int got_a = 0, got_b = 0;
    const double end = fake_app::now() + 5;
    while (fake_app::now() < end && got_a + got_b < 16) {
        a.pump();
        b.pump();
        got_a += count(a, ua.id);
        got_b += count(b, ub.id);
    }
    EXPECT_EQ(got_a + got_b, 16);
    EXPECT_GT(got_a, 0) << "datagrams spread over both members";
    EXPECT_GT(got_b, 0);
}

// A UDP socket on 0.0.0.0 on both stacks (preload/dual_udp.cpp): shuntd
// reads the app's kernel socket into the same receive ring, with sources;
// it refuses what is not an IPv4 UDP socket, and lets go when told.
TEST(Engine, KernelSocketFeedsTheRing) {
    fake_app app;
    auto u = app.open(SOCK_DGRAM);
    ASSERT_EQ(app.bind(u.id, "127.0.0.1", 5018), 0);
    const int kernel = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in ka{};
    ka.sin_family = AF_INET;
    ka.sin_addr.s_addr = inet_addr("127.0.0.1");
    ASSERT_EQ(::bind(kernel, reinterpret_cast<sockaddr*>(&ka), sizeof ka), 0);
    socklen_t kl = sizeof ka;
    ASSERT_EQ(::getsockname(kernel, reinterpret_cast<sockaddr*>(&ka), &kl), 0);
    shm::command c{};
    c.opcode = static_cast<std::uint32_t>(shm::op::kernel_socket);
    c.sock = u.id;
    const int tcp = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    EXPECT_EQ(app.call(c, tcp).result, -EINVAL) << "a TCP socket is refused";
    ::close(tcp);
    EXPECT_EQ(app.call(c, kernel).result, 0);
    EXPECT_EQ(app.call(c, kernel).result, -EBUSY) << "one kernel socket per socket";

    const int sender = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = inet_addr("127.0.0.1");
    ASSERT_EQ(::bind(sender, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    socklen_t sl = sizeof sa;
    ASSERT_EQ(::getsockname(sender, reinterpret_cast<sockaddr*>(&sa), &sl), 0);
    ASSERT_EQ(::sendto(sender, "via the kernel", 14, 0, reinterpret_cast<sockaddr*>(&ka), sizeof ka), 14);
    auto* sh = app.view().socket(u.id);
    shm::byte_ring_consumer rx(&sh->rx, app.view().rx_data(u.id), app.view().geometry().ring_bytes);
    ASSERT_TRUE(app.pump_until([&] { return rx.readable() > 0; }));
    shm::dgram_header h{};
    ASSERT_EQ(shm::dgram_peek(rx, &h), shm::dgram_status::ok);
    std::string got(h.len, '\0');
    shm::dgram_copy_payload(rx, h, got.data(), h.len);
    shm::dgram_consume(rx, h);
    EXPECT_EQ(got, "via the kernel");
    EXPECT_EQ(h.port, sa.sin_port) << "the kernel sender's port";
    EXPECT_EQ(h.addr, inet_addr("127.0.0.1"));
    EXPECT_TRUE(revents(u.notify) & POLLIN) << "one notify fd for both stacks";

    c.a = 1;  // let go
    EXPECT_EQ(app.call(c).result, 0);
    ASSERT_EQ(::sendto(sender, "late", 4, 0, reinterpret_cast<sockaddr*>(&ka), sizeof ka), 4);
    app.pump(20);
    EXPECT_EQ(rx.readable(), 0) << "no longer read once let go";
    char b[8];
    EXPECT_EQ(::recv(kernel, b, sizeof b, MSG_DONTWAIT), 4) << "the datagram stays with the app's kernel socket";
    ::close(sender);
    ::close(kernel);
}

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
