// libshunt's fd table: which fds are accelerated (preload/fd_table.hpp), and
// the recycling of accel_socket objects it hands out.
#include <gtest/gtest.h>

#include <atomic>
#include <climits>
#include <set>
#include <thread>
#include <vector>

#include "preload/fd_table.hpp"

namespace shunt::preload {
namespace {

struct FdTable : ::testing::Test {
    void SetUp() override { fd_table::init(); }
    void TearDown() override {
        // Leave the table empty for the next test; each socket freed once
        // (dups share one).
        std::set<accel_socket*> held;
        for (int fd = 0; fd < fd_table::capacity(); ++fd)
            if (accel_socket* s = fd_table::take(fd)) held.insert(s);
        for (accel_socket* s : held) accel_socket_free(s);
    }
};

TEST_F(FdTable, KernelFdsAreNotInIt) {
    EXPECT_EQ(fd_table::get(0), nullptr);
    EXPECT_EQ(fd_table::get(1000), nullptr);
    EXPECT_EQ(fd_table::get(-1), nullptr);
    EXPECT_EQ(fd_table::get(1 << 30), nullptr);  // past any rlimit: still just "not accelerated"
    EXPECT_EQ(fd_table::get(INT_MIN), nullptr);
    EXPECT_EQ(fd_table::take(-5), nullptr);
    fd_table::set(-1, nullptr);  // ignored, no crash
}

TEST_F(FdTable, SetGetTakeAndDupsShareOneSocket) {
    accel_socket* s = accel_socket_new();
    ASSERT_NE(s, nullptr);
    fd_table::set(7, s);
    fd_table::set(9, s);  // a dup
    EXPECT_EQ(fd_table::get(7), s);
    EXPECT_EQ(fd_table::get(9), s);
    EXPECT_GE(fd_table::capacity(), 10);
    EXPECT_EQ(fd_table::take(7), s);
    EXPECT_EQ(fd_table::get(7), nullptr);
    EXPECT_EQ(fd_table::take(7), nullptr) << "a second take finds nothing";
    EXPECT_EQ(fd_table::get(9), s);
}

TEST_F(FdTable, ForEachVisitsExactlyTheAcceleratedFds) {
    accel_socket* a = accel_socket_new();
    accel_socket* b = accel_socket_new();
    fd_table::set(3, a);
    fd_table::set(40, b);
    fd_table::set(41, b);
    std::set<int> seen;
    fd_table::for_each([&](int fd, accel_socket* s) {
        seen.insert(fd);
        EXPECT_EQ(s, fd == 3 ? a : b);
    });
    EXPECT_EQ(seen, (std::set<int>{3, 40, 41}));
}

TEST_F(FdTable, RecycledSocketsStartFresh) {
    accel_socket* s = accel_socket_new();
    s->id = 42;
    s->dgram = true;
    s->kernel_fd = 5;
    s->fd_refs.store(3);
    s->nonblocking.store(true);
    accel_socket_free(s);
    accel_socket* t = accel_socket_new();
    EXPECT_EQ(t, s) << "objects are recycled, never returned to the allocator";
    EXPECT_EQ(t->id, 0u);
    EXPECT_FALSE(t->dgram);
    EXPECT_EQ(t->kernel_fd, -1);
    EXPECT_EQ(t->fd_refs.load(), 0);
    EXPECT_FALSE(t->nonblocking.load());
    accel_socket_free(t);
}

// Threads opening and closing their own fds while others look fds up: each
// sees its own entries and never another's.
TEST_F(FdTable, ConcurrentSetAndTake) {
    constexpr int k_threads = 4, k_rounds = 20000;
    std::vector<std::thread> ts;
    std::atomic<int> wrong{0};
    for (int t = 0; t < k_threads; ++t) {
        ts.emplace_back([t, &wrong] {
            accel_socket* mine = accel_socket_new();
            for (int i = 0; i < k_rounds; ++i) {
                const int fd = 100 + t * 16 + i % 16;
                fd_table::set(fd, mine);
                if (fd_table::get(fd) != mine) ++wrong;
                if (fd_table::take(fd) != mine) ++wrong;
            }
            accel_socket_free(mine);
        });
    }
    for (auto& t : ts) t.join();
    EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace shunt::preload
