// Issue 20 item 6: what one app can make shuntd hold of lwIP's heap (memory
// every app shares) is bounded by its budget (daemon/stack_memory.hpp): an
// app that never reads its downloads, or writes to peers that never read,
// or closes connections with bytes unacknowledged, runs out of its own
// budget, and nothing is lost when it catches up. Measured from what the
// apps see (bytes the receiver acknowledged but the app has not got; bytes
// the sender's lwIP holds), so the tests fail on code without budgets too.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "daemon/stack_memory.hpp"
#include "shm/byte_ring.hpp"
#include "tests/engine/fake_app.hpp"

namespace shunt::test {
namespace {

using daemon::stack_memory_account;
using daemon::stack_memory_registry;

constexpr std::uint64_t k_kib = 1024;
// The most one socket may hold beyond its app's budget: the next in-order
// segment of a socket holding nothing (lwIP's loopback MSS, lwipopts.h).
constexpr std::uint64_t k_segment = 16 * k_kib;

TEST(StackMemoryAccount, AppAndUserCapsBothBind) {
    stack_memory_registry reg(100, 150);
    auto a = reg.for_app(1000);
    auto b = reg.for_app(1000);
    auto other = reg.for_app(1001);
    EXPECT_EQ(a->room(), 100u);
    a->charge(80);
    EXPECT_EQ(a->room(), 20u);
    EXPECT_EQ(b->room(), 70u) << "the user's cap is shared by its apps";
    EXPECT_EQ(other->room(), 100u) << "another user's apps are not charged";
    b->charge(70);
    EXPECT_EQ(a->room(), 0u);
    EXPECT_EQ(b->room(), 0u);
    a->charge(-80);
    EXPECT_EQ(a->held(), 0u);
    EXPECT_EQ(b->room(), 30u);
    b->charge(-70);
    EXPECT_EQ(a->parent()->held(), 0u);

    stack_memory_account unlimited(0);
    unlimited.charge(1 << 30);
    EXPECT_GT(unlimited.room(), std::uint64_t{1} << 40);
}

TEST(StackMemoryAccount, AUserAccountLastsWhileItsAppsDo) {
    stack_memory_registry reg(0, 1000);
    auto a = reg.for_app(7);
    a->charge(600);
    auto b = reg.for_app(7);
    EXPECT_EQ(b->room(), 400u);
    a.reset();  // an app whose orphans still hold bytes keeps its account itself
    b.reset();
    auto c = reg.for_app(7);
    EXPECT_EQ(c->room(), 1000u) << "a new account once every app of the user is gone";
}

// The sending side of one connection: a pattern, each byte its offset mod 251.
struct stream {
    std::uint32_t out = 0, in = 0;  // the sender's id, the receiver's
    std::uint64_t written = 0;      // into the sender's ring
    std::uint64_t read = 0;         // out of the receiver's ring
    bool intact = true;
};

void feed(fake_app& app, stream& s, std::uint64_t total) {
    char buf[8192];
    while (s.written < total) {
        const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(sizeof buf, total - s.written));
        for (std::size_t i = 0; i < n; ++i) buf[i] = static_cast<char>((s.written + i) % 251);
        const std::size_t put = app.send(s.out, buf, n);
        s.written += put;
        if (put < n) return;
    }
}

void drain(fake_app& app, stream& s) {
    for (;;) {
        const std::string got = app.recv(s.in);
        if (got.empty()) return;
        for (std::size_t i = 0; i < got.size(); ++i)
            if (got[i] != static_cast<char>((s.read + i) % 251)) s.intact = false;
        s.read += got.size();
    }
}

std::uint64_t ring_readable(const fake_app& app, std::uint32_t id, bool tx) {
    shm::socket_shared* sh = app.view().socket(id);
    auto& r = tx ? sh->tx : sh->rx;
    return r.tail.load(std::memory_order_acquire) - r.head.load(std::memory_order_acquire);
}

// Bytes lwIP holds for the sender (written, not acknowledged).
std::uint64_t sender_held(const fake_app& app, const stream& s) {
    return app.view().socket(s.out)->tx_unsent.load(std::memory_order_relaxed);
}

// Bytes the receiving side acknowledged that are neither in its app's ring
// nor read: what its shuntd holds for it.
std::uint64_t receiver_held(const fake_app& sender, const fake_app& receiver, const stream& s) {
    const std::uint64_t taken = s.written - ring_readable(sender, s.out, true);
    const std::uint64_t acked = taken - sender_held(sender, s);
    const std::uint64_t delivered = s.read + ring_readable(receiver, s.in, false);
    return acked > delivered ? acked - delivered : 0;
}

struct pair_of_apps {
    std::unique_ptr<fake_app> sender, receiver;
    std::vector<stream> streams;
    // One worker loop for both apps' sessions.
    void pump() {
        sender->pump();
        receiver->pump();
    }
    // The sender sends all it can of `total` on every stream for `seconds`,
    // the receiver reading nothing.
    void send_for(std::uint64_t total, double seconds) {
        const double until = fake_app::now() + seconds;
        while (fake_app::now() < until) {
            for (auto& s : streams) feed(*sender, s, total);
            pump();
        }
    }
    // The receiver reads until every stream brought all of `total`, in order.
    bool catch_up(std::uint64_t total) {
        const bool done = pump_until(
            [&] {
                bool all = true;
                for (auto& s : streams) {
                    feed(*sender, s, total);
                    drain(*receiver, s);
                    all = all && s.read == total;
                }
                return all;
            },
            60.0);
        for (const auto& s : streams) {
            EXPECT_EQ(s.read, total);
            EXPECT_TRUE(s.intact);
        }
        return done;
    }
    // Pumps both until pred() or `seconds` pass.
    template <typename P>
    bool pump_until(P pred, double seconds) {
        return sender->pump_until(
            [&] {
                receiver->pump();
                return pred();
            },
            seconds);
    }
};

void connect_streams(pair_of_apps& p, int count, std::uint16_t port) {
    auto l = p.receiver->open(SOCK_STREAM);
    ASSERT_EQ(p.receiver->bind(l.id, "127.0.0.1", port), 0);
    ASSERT_EQ(p.receiver->listen(l.id, count), 0);
    for (int i = 0; i < count; ++i) {
        stream s;
        auto c = p.sender->open(SOCK_STREAM);
        s.out = c.id;
        p.sender->connect(c.id, "127.0.0.1", port);
        fake_app::opened a{};
        ASSERT_TRUE(p.sender->pump_until([&] {
            a = p.receiver->accept(l.id);
            return a.result >= 0;
        }));
        s.in = a.id;
        ASSERT_TRUE(p.sender->pump_until([&] { return (p.sender->status(c.id) & shm::st_connected) != 0; }));
        p.streams.push_back(s);
    }
}

TEST(StackMemory, UnreadDownloadsStayWithinTheReadersBudget) {
    constexpr int k_streams = 6;
    // Room for every stream's first window (64 KiB) and some growth.
    constexpr std::uint64_t k_total = 2 << 20, k_budget = 512 * k_kib;
    pair_of_apps p;
    fake_app::options ro;
    ro.ring_bytes = 16384;
    ro.stack_memory = std::make_shared<stack_memory_account>(k_budget);
    fake_app::options so;
    so.ring_bytes = 65536;
    p.receiver = std::make_unique<fake_app>(ro);
    p.sender = std::make_unique<fake_app>(so);
    connect_streams(p, k_streams, 18110);
    ASSERT_FALSE(HasFailure());

    // The receiver reads nothing for half a second while the sender sends all it can.
    p.send_for(k_total, 0.5);
    std::uint64_t held = 0;
    for (const auto& s : p.streams) held += receiver_held(*p.sender, *p.receiver, s);
    EXPECT_LE(held, k_budget + k_streams * k_segment) << "an unread download held beyond the app's budget";
    EXPECT_GT(held, 0u);
    EXPECT_EQ(ro.stack_memory->drops(), 0u) << "windows, not drops, hold the peers back";

    // It catches up: every byte arrives, in order, none lost.
    EXPECT_TRUE(p.catch_up(k_total));
    EXPECT_TRUE(p.sender->alive() && p.receiver->alive());
    EXPECT_LE(ro.stack_memory->held(), k_streams * k_segment);
}

// More connections than the budget has first windows for (each SYN-ACK
// announced 64 KiB): what the peers send beyond the budget is dropped
// unacknowledged, and retransmitted once the app reads.
TEST(StackMemory, FirstWindowsBeyondTheBudgetAreDroppedNotHeld) {
    constexpr int k_streams = 8;
    constexpr std::uint64_t k_total = 256 * k_kib, k_budget = 128 * k_kib;
    pair_of_apps p;
    fake_app::options ro;
    ro.ring_bytes = 16384;
    ro.max_sockets = 16;
    ro.stack_memory = std::make_shared<stack_memory_account>(k_budget);
    fake_app::options so;
    so.ring_bytes = 65536;
    so.max_sockets = 16;
    p.receiver = std::make_unique<fake_app>(ro);
    p.sender = std::make_unique<fake_app>(so);
    connect_streams(p, k_streams, 18112);
    ASSERT_FALSE(HasFailure());

    p.send_for(k_total, 0.5);
    std::uint64_t held = 0;
    for (const auto& s : p.streams) held += receiver_held(*p.sender, *p.receiver, s);
    EXPECT_LE(held, k_budget + k_streams * k_segment);
    EXPECT_GT(ro.stack_memory->drops(), 0u);
    EXPECT_TRUE(p.catch_up(k_total));
}

TEST(StackMemory, SendsToAPeerThatDoesNotReadStopAtTheSendersBudget) {
    constexpr int k_streams = 4;
    constexpr std::uint64_t k_total = 3 << 20, k_budget = 256 * k_kib;
    pair_of_apps p;
    fake_app::options ro;
    ro.ring_bytes = 16384;
    fake_app::options so;
    so.ring_bytes = 65536;
    so.stack_memory = std::make_shared<stack_memory_account>(k_budget);
    p.receiver = std::make_unique<fake_app>(ro);
    p.sender = std::make_unique<fake_app>(so);
    connect_streams(p, k_streams, 18111);
    ASSERT_FALSE(HasFailure());

    // The peer takes a window's worth and then reads nothing.
    p.send_for(k_total, 0.5);
    std::uint64_t held = 0;
    for (const auto& s : p.streams) held += sender_held(*p.sender, s);
    EXPECT_LE(held, k_budget) << "unacknowledged sends held beyond the app's budget";
    EXPECT_GT(so.stack_memory->stalls(), 0u);
    for (const auto& s : p.streams) EXPECT_LT(s.written, k_total) << "its rings filled: its sends wait";

    // The sender closes every connection with bytes still queued: they
    // stay charged (orphans) and still go out, then the FIN.
    for (auto& s : p.streams) EXPECT_EQ(p.sender->close(s.out), 0);
    for (int i = 0; i < 10; ++i) p.pump();
    EXPECT_GT(so.stack_memory->held(), 0u) << "closed connections' unacknowledged bytes are let go of uncharged";
    EXPECT_LE(so.stack_memory->held(), k_budget);
    EXPECT_TRUE(p.pump_until(
        [&] {
            bool done = true;
            for (auto& s : p.streams) {
                drain(*p.receiver, s);
                done = done && (p.receiver->status(s.in) & shm::st_rx_eof) && ring_readable(*p.receiver, s.in, false) == 0;
            }
            return done;
        },
        60.0));
    for (const auto& s : p.streams) {
        EXPECT_EQ(s.read, s.written) << "bytes queued at close were lost";
        EXPECT_TRUE(s.intact);
    }
    EXPECT_TRUE(p.pump_until([&] { return so.stack_memory->held() == 0; }, 10.0))
        << "acknowledged orphans still charged: " << so.stack_memory->held();
}

}  // namespace
}  // namespace shunt::test
