// Sockets sharing a port or a kernel socket (daemon/reuseport.hpp,
// session::attach_kernel_socket): SO_REUSEPORT groups across apps for TCP
// and UDP, and a UDP socket on 0.0.0.0 fed by the app's kernel socket.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "shm/datagram.hpp"
#include "tests/engine/fake_app.hpp"

namespace shunt::test {
namespace {

short revents(int fd) {
    pollfd p{fd, POLLIN | POLLOUT | POLLRDHUP, 0};
    return ::poll(&p, 1, 0) > 0 ? p.revents : 0;
}

std::int64_t set_reuseport(fake_app& app, std::uint32_t id) { return app.setopt(id, SOL_SOCKET, SO_REUSEPORT, 1); }

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

// A kernel UDP socket on 127.0.0.1 and an ephemeral port (*a: its name); -1 on failure.
int kernel_udp(sockaddr_in* a) {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    *a = sockaddr_in{};
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = inet_addr("127.0.0.1");
    socklen_t len = sizeof *a;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(a), sizeof *a) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(a), &len) != 0) {
        if (fd >= 0) ::close(fd);
        return -1;
    }
    return fd;
}

// A UDP socket on 0.0.0.0 on both stacks (preload/dual_udp.cpp): shuntd
// reads the app's kernel socket into the same receive ring, with sources;
// it refuses what is not an IPv4 UDP socket, and lets go when told.
TEST(Engine, KernelSocketFeedsTheRing) {
    fake_app app;
    auto u = app.open(SOCK_DGRAM);
    ASSERT_EQ(app.bind(u.id, "127.0.0.1", 5018), 0);
    sockaddr_in ka{};
    const int kernel = kernel_udp(&ka);
    ASSERT_GE(kernel, 0);
    shm::command c{};
    c.opcode = static_cast<std::uint32_t>(shm::op::kernel_socket);
    c.sock = u.id;
    const int tcp = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    EXPECT_EQ(app.call(c, tcp).result, -EINVAL) << "a TCP socket is refused";
    ::close(tcp);
    EXPECT_EQ(app.call(c, kernel).result, 0);
    EXPECT_EQ(app.call(c, kernel).result, -EBUSY) << "one kernel socket per socket";

    sockaddr_in sa{};
    const int sender = kernel_udp(&sa);
    ASSERT_GE(sender, 0);
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

}  // namespace
}  // namespace shunt::test
