// Two engines joined by an in-memory link (issue 3): the engine of this
// process, serving a client app, and the engine of a forked child, serving
// a server app, each with its own lwIP and an Ethernet interface on either
// end of a socketpair (tests/engine/link_netif.hpp). Everything between the
// apps' rings is the real code — session, tcp_socket, udp_socket — and lwIP
// resolves the peer with ARP, and generates and verifies every checksum.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#undef TCP_MSS  // <netinet/tcp.h>'s obsolete option name; lwIP's setting is meant
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "shm/datagram.hpp"
#include "tests/engine/fake_app.hpp"
#include "tests/engine/link_netif.hpp"

namespace shunt::test {
namespace {

constexpr std::size_t k_bytes = 1 << 20;
constexpr std::uint16_t k_tcp_port = 7000, k_udp_port = 7001;

fake_app::options roomy() {
    fake_app::options o;
    o.ring_bytes = 65536;
    return o;
}

// One datagram from a socket's receive ring, with its source.
bool take_datagram(fake_app& app, std::uint32_t id, std::string& payload, shm::dgram_header& h) {
    auto* sh = app.view().socket(id);
    shm::byte_ring_consumer rx(&sh->rx, app.view().rx_data(id), app.view().geometry().ring_bytes);
    if (shm::dgram_peek(rx, &h) != shm::dgram_status::ok) return false;
    payload.resize(h.len);
    shm::dgram_copy_payload(rx, h, payload.data(), h.len);
    shm::dgram_consume(rx, h);
    return true;
}

bool put_datagram(fake_app& app, std::uint32_t id, const std::string& payload, std::uint32_t addr,
                  std::uint16_t port_be) {
    auto* sh = app.view().socket(id);
    shm::byte_ring_producer tx(&sh->tx, app.view().tx_data(id), app.view().geometry().ring_bytes);
    shm::dgram_header h{};
    h.len = static_cast<std::uint32_t>(payload.size());
    h.addr = addr;
    h.port = port_be;
    if (!shm::dgram_write(tx, h, [&](auto&& put) { put(payload.data(), payload.size()); })) return false;
    app.ring(shm::ring_kind::tx_ready, id);
    return true;
}

// The child: a server app on 10.77.0.2 echoing TCP and UDP until the link
// closes. Exit status 0 when it echoed all the TCP bytes and a datagram.
int serve(int fd) {
    std::size_t echoed = 0;
    int datagrams = 0;
    {
        link_netif wire(fd, "10.77.0.2", 24, 2);
        fake_app app(roomy());
        auto l = app.open(SOCK_STREAM);
        auto u = app.open(SOCK_DGRAM);
        if (app.bind(l.id, "10.77.0.2", k_tcp_port) != 0 || app.listen(l.id) != 0 ||
            app.bind(u.id, "10.77.0.2", k_udp_port) != 0)
            return 2;
        bool have_conn = false;
        fake_app::opened conn{};
        std::string pending;
        const double end = fake_app::now() + 60;
        while (!wire.peer_gone() && fake_app::now() < end && app.alive()) {
            wire.poll();
            app.pump();
            if (!have_conn && app.view().socket(l.id)->accept_ready.load() > 0) {
                conn = app.accept(l.id);
                have_conn = conn.result == 0;
            }
            if (have_conn) {
                pending += app.recv(conn.id);
                const std::size_t n = app.send(conn.id, pending.data(), pending.size());
                pending.erase(0, n);
                echoed += n;
            }
            std::string d;
            shm::dgram_header h{};
            while (take_datagram(app, u.id, d, h)) {
                if (put_datagram(app, u.id, "echo: " + d, h.addr, h.port)) ++datagrams;
            }
        }
    }
    return echoed == k_bytes && datagrams >= 1 ? 0 : 1;
}

TEST(TwoEngines, TcpAndUdpAcrossAnInMemoryEthernetLink) {
    lwip_once();
    int link[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, link), 0);
    for (int fd : link) {
        const int big = 8 << 20;  // a window's worth of frames in flight
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    }
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        ::close(link[0]);
        _exit(serve(link[1]));  // the child's own lwIP: a copy, from here on its own
    }
    ::close(link[1]);
    {
        link_netif wire(link[0], "10.77.0.1", 24, 1);
        fake_app app(roomy());
        auto until = [&](auto pred, double seconds) {  // pred() is asked once per step
            const double end = fake_app::now() + seconds;
            for (;;) {
                if (pred()) return true;
                if (fake_app::now() >= end || !app.alive()) return false;
                wire.poll();
                app.pump();
            }
        };
        auto c = app.open(SOCK_STREAM);
        ASSERT_EQ(app.bind(c.id, "10.77.0.1", 0), 0);
        ASSERT_EQ(app.connect(c.id, "10.77.0.2", k_tcp_port), -EINPROGRESS);
        ASSERT_TRUE(until([&] { return (app.status(c.id) & shm::st_connected) != 0; }, 10))
            << "the handshake, after ARP, over the link";
        EXPECT_EQ(app.getopt(c.id, IPPROTO_TCP, TCP_MAXSEG), 1460) << "the link's MTU (1500) caps the MSS";
        std::string data(k_bytes, '\0');
        for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7 + i / 4096);
        std::size_t sent = 0;
        std::string got;
        EXPECT_TRUE(until(
            [&] {
                if (sent < data.size()) sent += app.send(c.id, data.data() + sent, data.size() - sent);
                got += app.recv(c.id);
                return got.size() >= data.size();
            },
            60));
        EXPECT_TRUE(got == data) << "1 MiB there and back, byte for byte (" << got.size() << " bytes)";

        auto u = app.open(SOCK_DGRAM);
        ASSERT_EQ(app.bind(u.id, "10.77.0.1", k_udp_port), 0);
        ASSERT_TRUE(put_datagram(app, u.id, "over the link", inet_addr("10.77.0.2"), htons(k_udp_port)));
        std::string reply;
        shm::dgram_header h{};
        EXPECT_TRUE(until([&] { return take_datagram(app, u.id, reply, h); }, 10)) << app.failure();
        EXPECT_EQ(reply, "echo: over the link");
        EXPECT_EQ(h.addr, inet_addr("10.77.0.2"));
        EXPECT_EQ(ntohs(h.port), k_udp_port);
        EXPECT_EQ(app.close(c.id), 0);
        until([] { return false; }, 0.2);  // the FIN goes out
        EXPECT_GT(wire.frames_sent(), 700u) << "the bytes went over the link, not lwIP's loopback";
        EXPECT_GT(wire.frames_received(), 700u);
    }
    ::close(link[0]);  // the child sees the link close and ends
    int st = 0;
    ASSERT_EQ(waitpid(pid, &st, 0), pid);
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << "the child's engine echoed everything (status " << st << ")";
}

}  // namespace
}  // namespace shunt::test
