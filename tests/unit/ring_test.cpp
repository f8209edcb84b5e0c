// The channel's rings: the byte stream (TCP data) and the index ring
// (commands and doorbells). One stress harness runs per ring kind (typed
// tests): in one thread, across threads, and across processes (fork, the
// ring in a MAP_SHARED mapping, as between an app and shuntd).
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <numeric>
#include <thread>
#include <vector>

#include "shm/byte_ring.hpp"
#include "shm/index_ring.hpp"

namespace shunt::shm {
namespace {

// Shared memory that survives fork (MAP_SHARED | MAP_ANONYMOUS).
struct shared_mem {
    explicit shared_mem(std::size_t n) : size(n) {
        p = mmap(nullptr, n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        EXPECT_NE(p, MAP_FAILED);
        std::memset(p, 0, n);
    }
    ~shared_mem() { munmap(p, size); }
    void* p;
    std::size_t size;
};

// --- Byte stream ring ---------------------------------------------------
struct byte_ring_kind {
    static constexpr std::uint32_t cap = 4096;
    struct layout {
        byte_ring_shared idx;
        std::uint8_t data[cap];
    };
    layout* l;
    explicit byte_ring_kind(void* mem) : l(new (mem) layout{}) {}
    static std::size_t bytes() { return sizeof(layout); }

    // Producer sends values 0..n-1 as little-endian u32 in chunks of varying size.
    void produce(std::uint32_t n) {
        byte_ring_producer p(&l->idx, l->data, cap);
        std::vector<std::uint32_t> v(n);
        std::iota(v.begin(), v.end(), 0u);
        const auto* src = reinterpret_cast<const std::uint8_t*>(v.data());
        std::size_t off = 0, total = n * sizeof(std::uint32_t), step = 1;
        while (off < total) {
            const std::size_t want = std::min(total - off, step);
            const std::int64_t w = p.write(src + off, want);
            ASSERT_GE(w, 0);
            off += static_cast<std::size_t>(w);
            step = step * 7 % 1021 + 1;  // 1..1021 bytes, wrapping at odd places
            if (w == 0) std::this_thread::yield();
        }
    }
    // Returns the number of values received in order.
    std::uint32_t consume(std::uint32_t n) {
        byte_ring_consumer c(&l->idx, l->data, cap);
        std::vector<std::uint32_t> v(n);
        auto* dst = reinterpret_cast<std::uint8_t*>(v.data());
        std::size_t off = 0, total = n * sizeof(std::uint32_t), step = 3;
        while (off < total) {
            const std::int64_t r = c.read(dst + off, std::min(total - off, step));
            if (r < 0) return 0;
            off += static_cast<std::size_t>(r);
            step = step * 5 % 997 + 1;
            if (r == 0) std::this_thread::yield();
        }
        std::uint32_t ok = 0;
        for (std::uint32_t i = 0; i < n; ++i) ok += v[i] == i;
        return ok;
    }
};

// --- Index ring (single producer used here; multi-producer below) --------
struct index_ring_kind {
    static constexpr std::uint32_t cap = 256;
    struct layout {
        index_ring_shared r;
        index_cell cells[cap];
    };
    layout* l;
    index_ring_consumer c;  // the consumer's position is its own (as the daemon's)
    explicit index_ring_kind(void* mem) : l(new (mem) layout{}) {
        index_ring_init(&l->r, l->cells, cap);
        c = index_ring_consumer(&l->r, l->cells, cap);
    }
    static std::size_t bytes() { return sizeof(layout); }

    void produce(std::uint32_t n) {
        index_ring_producer p(&l->r, l->cells, cap);
        const std::uint64_t base = l->r.enqueue_pos.load();
        for (std::uint32_t i = 0; i < n; ++i)
            while (!p.push(base + i)) std::this_thread::yield();
    }
    std::uint32_t consume(std::uint32_t n) {
        std::uint32_t ok = 0;
        const std::uint64_t base = c.position();
        for (std::uint32_t i = 0; i < n;) {
            std::uint64_t v;
            if (!c.pop(&v)) {
                std::this_thread::yield();
                continue;
            }
            ok += v == base + i;
            ++i;
        }
        return ok;
    }
};

template <typename K>
class RingStress : public ::testing::Test {};
using ring_kinds = ::testing::Types<byte_ring_kind, index_ring_kind>;
TYPED_TEST_SUITE(RingStress, ring_kinds);

TYPED_TEST(RingStress, OneThreadInterleaved) {
    shared_mem m(TypeParam::bytes());
    TypeParam k(m.p);
    // Less than one ring's worth at a time, many times: the ring wraps at
    // a different place each round.
    for (int round = 0; round < 50; ++round) {
        k.produce(37);
        EXPECT_EQ(k.consume(37), 37u);
    }
}

TYPED_TEST(RingStress, TwoThreads) {
    shared_mem m(TypeParam::bytes());
    TypeParam k(m.p);
    constexpr std::uint32_t n = 200000;
    std::thread prod([&] { k.produce(n); });
    EXPECT_EQ(k.consume(n), n);
    prod.join();
}

TYPED_TEST(RingStress, AcrossProcesses) {
    shared_mem m(TypeParam::bytes());
    TypeParam k(m.p);
    constexpr std::uint32_t n = 100000;
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        k.produce(n);
        _exit(::testing::Test::HasFailure() ? 1 : 0);
    }
    EXPECT_EQ(k.consume(n), n);
    int st = 0;
    ASSERT_EQ(waitpid(pid, &st, 0), pid);
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

// --- Edges -----------------------------------------------------------------
TEST(ByteRing, FullAndEmpty) {
    alignas(64) byte_ring_shared idx{};
    std::uint8_t data[64];
    byte_ring_producer p(&idx, data, 64);
    byte_ring_consumer c(&idx, data, 64);
    std::uint8_t buf[100];
    EXPECT_EQ(c.readable(), 0);
    EXPECT_EQ(c.read(buf, sizeof buf), 0);
    std::memset(buf, 'a', sizeof buf);
    EXPECT_EQ(p.write(buf, sizeof buf), 64);  // only what fits
    EXPECT_EQ(p.free_space(), 0);
    EXPECT_EQ(p.write(buf, 1), 0);
    EXPECT_EQ(c.readable(), 64);
    EXPECT_EQ(c.read(buf, 10), 10);
    EXPECT_EQ(p.free_space(), 10);
}

TEST(ByteRing, WrapsAroundAndPeeks) {
    alignas(64) byte_ring_shared idx{};
    std::uint8_t data[16];
    byte_ring_producer p(&idx, data, 16);
    byte_ring_consumer c(&idx, data, 16);
    char out[16];
    ASSERT_EQ(p.write("0123456789", 10), 10);
    ASSERT_EQ(c.read(out, 8), 8);
    ASSERT_EQ(p.write("abcdefghij", 10), 10);  // wraps at 16
    EXPECT_EQ(c.peek(out, 12), 12);
    EXPECT_EQ(std::string(out, 12), "89abcdefghij");
    EXPECT_EQ(c.peek(out, 4, 2), 4);  // skip 2
    EXPECT_EQ(std::string(out, 4), "abcd");
    EXPECT_EQ(c.read(out, 16), 12);
    EXPECT_EQ(std::string(out, 12), "89abcdefghij");
}

TEST(ByteRing, CorruptIndexesAreErrorsNotCopies) {
    alignas(64) byte_ring_shared idx{};
    std::uint8_t data[16];
    byte_ring_consumer c(&idx, data, 16);
    byte_ring_producer p(&idx, data, 16);
    char out[64];
    idx.tail.store(1000);  // a producer claiming more than the ring holds
    EXPECT_EQ(c.readable(), -1);
    EXPECT_EQ(c.read(out, sizeof out), -1);
    idx.tail.store(0);
    idx.head.store(5);  // a consumer ahead of the producer
    EXPECT_EQ(p.free_space(), -1);
    EXPECT_EQ(p.write("x", 1), -1);
}

TEST(IndexRing, FullAndEmpty) {
    index_ring_shared r{};
    index_cell cells[4];
    index_ring_init(&r, cells, 4);
    index_ring_producer p(&r, cells, 4);
    index_ring_consumer c(&r, cells, 4);
    std::uint64_t v;
    EXPECT_FALSE(c.pop(&v));
    for (int i = 0; i < 4; ++i) EXPECT_TRUE(p.push(static_cast<std::uint64_t>(i)));
    EXPECT_FALSE(p.push(99));
    for (std::uint64_t i = 0; i < 4; ++i) {
        ASSERT_TRUE(c.pop(&v));
        EXPECT_EQ(v, i);
    }
    EXPECT_FALSE(c.pop(&v));
    EXPECT_EQ(c.position(), 4u);
}

// Many producers (threads of an app, and a forked child sharing its
// segment) on one ring: every value arrives exactly once.
TEST(IndexRing, ManyProducersAcrossThreadsAndProcesses) {
    constexpr std::uint32_t cap = 64, per = 20000, threads = 3;
    struct layout {
        index_ring_shared r;
        index_cell cells[cap];
    };
    shared_mem m(sizeof(layout));
    auto* l = new (m.p) layout{};
    index_ring_init(&l->r, l->cells, cap);
    auto produce = [l](std::uint32_t who) {
        index_ring_producer p(&l->r, l->cells, cap);
        for (std::uint32_t i = 0; i < per; ++i)
            while (!p.push((std::uint64_t{who} << 32) | i)) std::this_thread::yield();
    };
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        produce(threads);
        _exit(0);
    }
    std::vector<std::thread> ts;
    for (std::uint32_t t = 0; t < threads; ++t) ts.emplace_back(produce, t);
    index_ring_consumer c(&l->r, l->cells, cap);
    std::vector<std::uint32_t> next(threads + 1, 0);
    std::uint32_t bad = 0;
    for (std::uint32_t got = 0; got < per * (threads + 1);) {
        std::uint64_t v;
        if (!c.pop(&v)) continue;
        const auto who = static_cast<std::uint32_t>(v >> 32);
        if (who > threads || static_cast<std::uint32_t>(v) != next[who]) ++bad;
        else ++next[who];  // each producer's values arrive in its order
        ++got;
    }
    for (auto& t : ts) t.join();
    int st = 0;
    waitpid(pid, &st, 0);
    EXPECT_EQ(bad, 0u);
    for (std::uint32_t w = 0; w <= threads; ++w) EXPECT_EQ(next[w], per);
}

}  // namespace
}  // namespace shunt::shm
