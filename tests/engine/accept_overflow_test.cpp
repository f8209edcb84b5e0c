// Issue 18: a listener whose accept queue is full refuses new handshakes the
// way Linux does: the SYN (and the final ACK of a handshake already under
// way) is dropped and the client retransmits, so its connect() waits until
// the app accepts. It never resets a connection the client believes is
// established (lwIP called accept with no room, and shuntd reset it).
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/engine/fake_app.hpp"

namespace shunt::test {
namespace {

struct client {
    std::uint32_t id = 0;
    int notify = -1;
};

// Five clients connect to a listener with room for `queued` of them; the
// server app accepts nothing for half a second, then accepts every
// connection (`close_each`: and closes it at once, freeing its slot). Every
// client connects, none is reset, and each connection carries its own bytes.
void overflow_then_accept(fake_app::options server_options, int backlog, std::uint32_t queued, bool close_each,
                          std::uint16_t port) {
    constexpr int k_clients = 5;
    fake_app server(server_options);
    fake_app::options co;
    co.max_sockets = 8;
    fake_app peer(co);
    auto l = server.open(SOCK_STREAM);
    ASSERT_EQ(server.bind(l.id, "127.0.0.1", port), 0);
    ASSERT_EQ(server.listen(l.id, backlog), 0);
    std::vector<client> clients;
    for (int i = 0; i < k_clients; ++i) {
        auto c = peer.open(SOCK_STREAM);
        ASSERT_GE(c.result, 0);
        peer.connect(c.id, "127.0.0.1", port);
        clients.push_back({c.id, c.notify});
    }
    auto errors = [&] {
        int n = 0;
        for (const auto& c : clients) n += (peer.status(c.id) & shm::st_error) != 0;
        return n;
    };
    const double until = fake_app::now() + 0.5;
    while (fake_app::now() < until) {
        peer.pump();
        server.pump();
    }
    EXPECT_EQ(errors(), 0) << "a client was reset while the queue was full";
    EXPECT_EQ(server.view().socket(l.id)->accept_ready.load(), queued);

    std::vector<fake_app::opened> accepted;
    EXPECT_TRUE(peer.pump_until(
        [&] {
            server.pump();
            auto a = server.accept(l.id);
            if (a.result >= 0) {
                accepted.push_back(a);
                if (close_each) {
                    EXPECT_EQ(server.close(a.id), 0);
                }
            }
            return accepted.size() == k_clients;
        },
        30.0))
        << accepted.size() << " of " << k_clients << " accepted";
    EXPECT_EQ(errors(), 0) << "a client was reset";
    for (const auto& c : clients) EXPECT_NE(peer.status(c.id) & shm::st_connected, 0u);
    if (close_each) {
        for (const auto& a : accepted) ::close(a.notify);
        for (const auto& c : clients) ::close(c.notify);
        ::close(l.notify);
        return;
    }

    // Each connection is the one its client opened: client i's byte reaches
    // exactly one accepted socket, and every accepted socket gets one byte.
    for (int i = 0; i < k_clients; ++i) {
        const char b = static_cast<char>('a' + i);
        EXPECT_EQ(peer.send(clients[i].id, &b, 1), 1u);
    }
    std::string got;
    EXPECT_TRUE(peer.pump_until(
        [&] {
            server.pump();
            for (const auto& a : accepted) got += server.recv(a.id);
            return got.size() == k_clients;
        },
        10.0));
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, "abcde");
    for (const auto& a : accepted) ::close(a.notify);
    for (const auto& c : clients) ::close(c.notify);
    ::close(l.notify);
}

TEST(AcceptOverflow, AFullQueueMakesHandshakesWaitNotReset) {
    fake_app::options so;
    so.max_sockets = 16;
    overflow_then_accept(so, 2, 2, false, 18120);
}

// The app at its socket limit (shuntd makes the accepted socket at the
// handshake): the same wait, not a reset.
TEST(AcceptOverflow, AnAppAtItsSocketLimitMakesHandshakesWait) {
    fake_app::options so;
    so.max_sockets = 3;  // the listener and two connections
    overflow_then_accept(so, 16, 2, true, 18121);
}

}  // namespace
}  // namespace shunt::test
