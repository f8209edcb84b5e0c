// The worker clears a readability the app left behind (the clear_rx
// doorbell, preload/deferred_clear.hpp): after the app has read every byte,
// one doorbell and one worker loop make the app's notify fd unreadable with
// no system call of the app's, and nothing else changes what the app sees.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <string>

#include "shm/rx_armed.hpp"
#include "tests/engine/fake_app.hpp"

namespace shunt::test {
namespace {

bool readable(int fd) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, 0) > 0 && (p.revents & POLLIN);
}

struct conn {
    fake_app::opened listener, client, server;
};

conn connect_pair(fake_app& app, std::uint16_t port) {
    conn c;
    c.listener = app.open(SOCK_STREAM);
    EXPECT_EQ(app.bind(c.listener.id, "127.0.0.1", port), 0);
    EXPECT_EQ(app.listen(c.listener.id), 0);
    c.client = app.open(SOCK_STREAM);
    EXPECT_EQ(app.connect(c.client.id, "127.0.0.1", port), -EINPROGRESS);
    EXPECT_TRUE(app.pump_until([&] { return app.view().socket(c.listener.id)->accept_ready.load() > 0; }));
    c.server = app.accept(c.listener.id);
    EXPECT_EQ(c.server.result, 0);
    return c;
}

std::uint32_t rx_state(fake_app& app, std::uint32_t id) {
    return shm::rx_flag::state(app.view().socket(id)->rx_armed.load());
}

// Bytes from the client, until the server's fd is readable.
void deliver(fake_app& app, const conn& c, const std::string& bytes) {
    ASSERT_EQ(app.send(c.client.id, bytes.data(), bytes.size()), bytes.size());
    ASSERT_TRUE(app.pump_until([&] { return readable(c.server.notify); }));
}

TEST(ReadinessClear, WorkerClearsWhatTheAppReadAway) {
    fake_app app;
    auto c = connect_pair(app, 5101);
    deliver(app, c, "ping");
    EXPECT_EQ(app.recv(c.server.id), "ping");
    EXPECT_TRUE(readable(c.server.notify)) << "the app read everything but cleared nothing";
    app.ring(shm::ring_kind::clear_rx, c.server.id);
    app.pump();
    EXPECT_FALSE(readable(c.server.notify)) << "one worker loop later the fd is not readable";
    EXPECT_EQ(rx_state(app, c.server.id), shm::rx_flag::idle);
    EXPECT_EQ(app.daemon().report().rx_clears, 1u);
    // The next bytes make it readable again, and the app reads them.
    deliver(app, c, "pong!");
    EXPECT_EQ(app.recv(c.server.id), "pong!");
    app.ring(shm::ring_kind::clear_rx, c.server.id);
    app.pump();
    EXPECT_FALSE(readable(c.server.notify));
    EXPECT_EQ(app.daemon().report().rx_clears, 2u);
    EXPECT_TRUE(app.alive());
}

TEST(ReadinessClear, BytesStillThereKeepTheFdReadable) {
    fake_app app;
    auto c = connect_pair(app, 5102);
    deliver(app, c, "abcdef");
    EXPECT_EQ(app.recv(c.server.id, 2), "ab");
    app.ring(shm::ring_kind::clear_rx, c.server.id);
    app.pump();
    EXPECT_TRUE(readable(c.server.notify)) << "four bytes are left: still readable";
    EXPECT_EQ(rx_state(app, c.server.id), shm::rx_flag::armed);
    EXPECT_EQ(app.daemon().report().rx_clears, 0u);
    EXPECT_EQ(app.recv(c.server.id), "cdef");
}

// Bytes that arrive after the app emptied the ring, before the worker saw
// its doorbell: the worker has filled the ring by then, so it leaves the fd
// readable, and the arrival was a new edge for an edge-triggered waiter.
TEST(ReadinessClear, AnArrivalBeforeTheDoorbellWins) {
    fake_app app;
    auto c = connect_pair(app, 5103);
    deliver(app, c, "one");
    EXPECT_EQ(app.recv(c.server.id), "one");
    ASSERT_EQ(app.send(c.client.id, "two", 3), 3u);
    ASSERT_TRUE(app.pump_until([&] { return app.view().socket(c.server.id)->rx.tail.load() == 6; }));
    app.ring(shm::ring_kind::clear_rx, c.server.id);
    app.pump();
    EXPECT_TRUE(readable(c.server.notify));
    EXPECT_EQ(app.recv(c.server.id), "two");
}

TEST(ReadinessClear, EndOfStreamStaysReadable) {
    fake_app app;
    auto c = connect_pair(app, 5104);
    deliver(app, c, "last");
    EXPECT_EQ(app.close(c.client.id), 0);
    ASSERT_TRUE(app.pump_until([&] { return app.status(c.server.id) & shm::st_rx_eof; }));
    EXPECT_EQ(app.recv(c.server.id), "last");
    app.ring(shm::ring_kind::clear_rx, c.server.id);
    app.pump();
    EXPECT_TRUE(readable(c.server.notify)) << "EOF reads as readable, as a TCP socket's does";
    EXPECT_EQ(app.daemon().report().rx_clears, 0u);
}

TEST(ReadinessClear, ListenerAndUnknownSocketsAreLeftAlone) {
    fake_app app;
    auto c = connect_pair(app, 5105);
    auto second = app.open(SOCK_STREAM);
    EXPECT_EQ(app.connect(second.id, "127.0.0.1", 5105), -EINPROGRESS);
    ASSERT_TRUE(app.pump_until([&] { return readable(c.listener.notify); }));
    app.ring(shm::ring_kind::clear_rx, c.listener.id);
    app.pump();
    EXPECT_TRUE(readable(c.listener.notify)) << "a listener's readability is the accept queue's";
    app.ring(shm::ring_kind::clear_rx, 7);  // a free slot: nothing to do
    app.pump();
    EXPECT_TRUE(app.alive());
    app.ring(shm::ring_kind::clear_rx, 4000);  // beyond the segment: a corrupt app
    app.pump();
    EXPECT_FALSE(app.alive());
}

TEST(ReadinessClear, WithoutTheAppsEndTheAppClearsAlone) {
    fake_app::options o;
    o.send_app_end = false;
    fake_app app(o);
    auto c = connect_pair(app, 5106);
    deliver(app, c, "ping");
    EXPECT_EQ(app.recv(c.server.id), "ping");
    app.ring(shm::ring_kind::clear_rx, c.server.id);
    app.pump();
    EXPECT_TRUE(readable(c.server.notify)) << "shuntd has no end of the app's to drain";
    EXPECT_EQ(rx_state(app, c.server.id), shm::rx_flag::armed);
    EXPECT_TRUE(app.alive());
}

}  // namespace
}  // namespace shunt::test
