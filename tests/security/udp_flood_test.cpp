// Issue 20 item 3: an app that writes small datagrams as fast as it can
// must not keep the worker inside one send call (away from RX, timers and
// every other app): udp_pull_tx sends at most k_udp_tx_budget datagrams a
// call and the session sends the rest on its next loops. Nothing is lost.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/udp_socket.hpp"
#include "shm/datagram.hpp"
#include "tests/engine/fake_app.hpp"

namespace shunt::test {
namespace {

int drain(fake_app& app, std::uint32_t id, std::uint32_t* expect_next) {
    auto* sh = app.view().socket(id);
    shm::byte_ring_consumer rx(&sh->rx, app.view().rx_data(id), app.view().geometry().ring_bytes);
    int n = 0;
    shm::dgram_header h{};
    while (shm::dgram_peek(rx, &h) == shm::dgram_status::ok) {
        std::uint32_t v = 0;
        EXPECT_EQ(h.len, sizeof v);
        EXPECT_EQ(shm::dgram_copy_payload(rx, h, &v, sizeof v), sizeof v);
        EXPECT_EQ(v, *expect_next) << "in order, none lost";
        ++*expect_next;
        shm::dgram_consume(rx, h);
        ++n;
    }
    return n;
}

TEST(UdpFlood, OneCallSendsABudgetNotTheWholeRing) {
    fake_app::options o;
    o.ring_bytes = 1 << 16;
    fake_app sender(o), receiver(o);
    auto r = receiver.open(SOCK_DGRAM);
    ASSERT_EQ(receiver.bind(r.id, "127.0.0.1", 18090), 0);
    auto u = sender.open(SOCK_DGRAM);
    ASSERT_EQ(sender.bind(u.id, "127.0.0.1", 0), 0);

    constexpr std::uint32_t k_count = 5 * daemon::k_udp_tx_budget;
    auto* sh = sender.view().socket(u.id);
    shm::byte_ring_producer tx(&sh->tx, sender.view().tx_data(u.id), sender.view().geometry().ring_bytes);
    for (std::uint32_t i = 0; i < k_count; ++i) {
        shm::dgram_header h{};
        h.len = sizeof i;
        h.addr = htonl(0x7f000001);
        h.port = htons(18090);
        ASSERT_TRUE(shm::dgram_write(tx, h, [i](auto&& put) { put(&i, sizeof i); }));
    }
    sender.ring(shm::ring_kind::tx_ready, u.id);
    sender.pump(1);  // one worker loop: one send call for the doorbell
    std::uint32_t next = 0;
    const int first = drain(receiver, r.id, &next);
    EXPECT_GT(first, 0);
    EXPECT_LE(first, static_cast<int>(daemon::k_udp_tx_budget)) << "one call sent more than its budget";
    EXPECT_GT(tx.free_space(), 0);
    EXPECT_TRUE(sender.pump_until([&] {
        drain(receiver, r.id, &next);
        return next == k_count;
    })) << "the rest went on the next loops: " << next << " of " << k_count;
    EXPECT_TRUE(sender.alive() && receiver.alive());
    EXPECT_EQ(sender.close(u.id), 0);
    EXPECT_EQ(receiver.close(r.id), 0);
    ::close(u.notify);
    ::close(r.notify);
}

}  // namespace
}  // namespace shunt::test
