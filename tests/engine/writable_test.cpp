// The notify fd is writable exactly while the app is not blocked on a full
// send ring (preload/op_helpers.hpp block_tx; engine_socket.hpp
// maybe_unblock_tx). A stale unblock must not undo a newer block: the worker
// found room and cleared tx_blocked, but before its flush drained the app's
// filler the app filled the ring and blocked again. Draining then left the
// fd writable over a full ring: epoll said EPOLLOUT and a non-blocking send
// failed with EAGAIN (compat python_selectors, a few runs in ten).
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <string>

#include "shm/fence.hpp"
#include "shm/notify.hpp"
#include "tests/engine/fake_app.hpp"

namespace shunt::test {
namespace {

bool writable(int fd) {
    pollfd p{fd, POLLOUT, 0};
    return ::poll(&p, 1, 0) > 0 && (p.revents & POLLOUT);
}

TEST(Writable, AStaleUnblockDoesNotUndoTheNextBlock) {
    fake_app app;
    auto l = app.open(SOCK_STREAM);
    ASSERT_EQ(app.bind(l.id, "127.0.0.1", 5120), 0);
    ASSERT_EQ(app.listen(l.id), 0);
    auto client = app.open(SOCK_STREAM);
    ASSERT_EQ(app.connect(client.id, "127.0.0.1", 5120), -EINPROGRESS);
    ASSERT_TRUE(app.pump_until([&] { return app.view().socket(l.id)->accept_ready.load() > 0; }));
    auto server = app.accept(l.id);
    ASSERT_EQ(server.result, 0);
    ASSERT_TRUE(app.pump_until([&] { return writable(client.notify); }));

    auto* sh = app.view().socket(client.id);
    shm::byte_ring_producer tx(&sh->tx, app.view().tx_data(client.id), app.view().geometry().ring_bytes);
    // What libshunt's send does when it fills the ring (block_tx): fill the
    // fd, mark the socket blocked, and with no room, fill once more.
    auto fill_and_block = [&] {
        const std::string chunk(4096, 'x');
        while (tx.free_space() > 0)
            ASSERT_GT(tx.write(chunk.data(), std::min<std::size_t>(chunk.size(), tx.free_space())), 0);
        shm::notify_block_writable(client.notify);
        sh->tx_blocked.store(1, std::memory_order_relaxed);
        shm::store_load_fence();
        shm::notify_block_writable(client.notify);
    };
    fill_and_block();
    ASSERT_FALSE(writable(client.notify));
    app.ring(shm::ring_kind::tx_ready, client.id);
    unsigned served = 0;
    ASSERT_TRUE(app.daemon().poll(64, &served));  // the worker takes the bytes: room, unblocked...
    ASSERT_EQ(sh->tx_blocked.load(), 0u);
    fill_and_block();                             // ...and before its flush the app blocks again
    app.daemon().flush();
    EXPECT_FALSE(writable(client.notify)) << "the fd is writable over a full ring the app is blocked on";
    EXPECT_EQ(sh->tx_blocked.load(), 1u);
    // Once the worker takes those bytes too, the fd is writable again.
    app.ring(shm::ring_kind::tx_ready, client.id);
    EXPECT_TRUE(app.pump_until([&] { return writable(client.notify); }));
    EXPECT_TRUE(app.alive()) << app.failure();
}

}  // namespace
}  // namespace shunt::test
