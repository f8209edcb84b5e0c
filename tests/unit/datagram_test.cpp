// UDP message records on a byte ring (shm/datagram.hpp): whole datagrams
// with their addresses, wrapping at the ring's end, never half published,
// and a corrupt record refused instead of read past.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "shm/datagram.hpp"

namespace shunt::shm {
namespace {

constexpr std::uint32_t k_cap = 4096;

struct ring {
    byte_ring_shared idx;
    std::uint8_t data[k_cap];
    byte_ring_producer producer() { return {&idx, data, k_cap}; }
    byte_ring_consumer consumer() { return {&idx, data, k_cap}; }
};

bool put(byte_ring_producer& p, const std::string& s, std::uint32_t addr = 0x0100000a, std::uint16_t port = 0x2923) {
    dgram_header h{};
    h.len = static_cast<std::uint32_t>(s.size());
    h.addr = addr;
    h.port = port;
    return dgram_write(p, h, [&s](auto&& piece) {
        // Two pieces, as an iovec or a pbuf chain would give them.
        piece(s.data(), s.size() / 2);
        piece(s.data() + s.size() / 2, s.size() - s.size() / 2);
    });
}

std::string take(byte_ring_consumer& c, dgram_header* h) {
    EXPECT_EQ(dgram_peek(c, h), dgram_status::ok);
    std::string s(h->len, '\0');
    EXPECT_EQ(dgram_copy_payload(c, *h, s.data(), s.size()), h->len);
    dgram_consume(c, *h);
    return s;
}

TEST(Datagram, RecordsKeepTheirBoundariesAndAddresses) {
    ring r{};
    auto p = r.producer();
    auto c = r.consumer();
    ASSERT_TRUE(put(p, "hello", 0x0200000a, 0x3412));
    ASSERT_TRUE(put(p, ""));
    ASSERT_TRUE(put(p, "world!"));
    dgram_header h;
    EXPECT_EQ(take(c, &h), "hello");
    EXPECT_EQ(h.addr, 0x0200000au);
    EXPECT_EQ(h.port, 0x3412);
    EXPECT_EQ(take(c, &h), "");
    EXPECT_EQ(take(c, &h), "world!");
    EXPECT_EQ(dgram_peek(c, &h), dgram_status::empty);
}

TEST(Datagram, PartialCopiesAndTruncation) {
    ring r{};
    auto p = r.producer();
    auto c = r.consumer();
    ASSERT_TRUE(put(p, "0123456789"));
    dgram_header h;
    ASSERT_EQ(dgram_peek(c, &h), dgram_status::ok);
    char buf[4];
    EXPECT_EQ(dgram_copy_payload(c, h, buf, 4), 4u);
    EXPECT_EQ(std::string(buf, 4), "0123");
    EXPECT_EQ(dgram_copy_payload(c, h, buf, 4, 8), 2u);  // from offset 8: "89"
    EXPECT_EQ(std::string(buf, 2), "89");
    EXPECT_EQ(dgram_copy_payload(c, h, buf, 4, 10), 0u);
}

TEST(Datagram, FullRingRefusesAWholeRecordAndWrapsLater) {
    ring r{};
    auto p = r.producer();
    auto c = r.consumer();
    const std::string big(1000, 'x');
    int n = 0;
    while (put(p, big)) ++n;
    EXPECT_EQ(n, static_cast<int>(k_cap / dgram_record_bytes(1000)));
    const std::uint64_t tail = p.tail();
    EXPECT_FALSE(put(p, big));
    EXPECT_EQ(p.tail(), tail) << "a refused record publishes nothing";
    // Consume and write many times so records straddle the ring's end.
    std::vector<std::string> expected(static_cast<std::size_t>(n), big);
    std::size_t next_expected = 0;
    for (int i = 0; i < 100; ++i) {
        dgram_header h;
        EXPECT_EQ(take(c, &h), expected[next_expected++]);
        expected.push_back(std::to_string(i) + std::string(900 + i, static_cast<char>('a' + i % 26)));
        ASSERT_TRUE(put(p, expected.back()));
    }
}

TEST(Datagram, MaxPayloadFitsTheRing) {
    EXPECT_EQ(dgram_max_payload(1u << 20), k_dgram_max);
    EXPECT_EQ(dgram_max_payload(4096), 4096u - sizeof(dgram_header));
    EXPECT_LE(dgram_record_bytes(dgram_max_payload(4096)), 4096u);
}

// The daemon reads send rings an app may have scribbled on.
TEST(Datagram, CorruptRecordsAreRefused) {
    ring r{};
    auto p = r.producer();
    auto c = r.consumer();
    dgram_header bogus{};
    bogus.len = k_dgram_max + 1;
    p.write(&bogus, sizeof bogus);
    dgram_header h;
    EXPECT_EQ(dgram_peek(c, &h), dgram_status::corrupt);

    ring r2{};
    auto p2 = r2.producer();
    auto c2 = r2.consumer();
    bogus.len = 100;  // claims more than was published
    p2.write(&bogus, sizeof bogus);
    EXPECT_EQ(dgram_peek(c2, &h), dgram_status::corrupt);

    ring r3{};
    auto c3 = r3.consumer();
    r3.idx.tail.store(5, std::memory_order_relaxed);  // less than a header
    EXPECT_EQ(dgram_peek(c3, &h), dgram_status::corrupt);
    r3.idx.tail.store(k_cap + 64, std::memory_order_relaxed);  // more than the ring holds
    EXPECT_EQ(dgram_peek(c3, &h), dgram_status::corrupt);
}

TEST(Datagram, ConsumerSeesWholeRecordsAcrossThreads) {
    ring r{};
    auto p = r.producer();
    auto c = r.consumer();
    constexpr int k_count = 20000;
    std::thread producer([&p] {
        for (int i = 0; i < k_count;) {
            const std::string s(static_cast<std::size_t>(i % 700), static_cast<char>(i));
            if (put(p, s, static_cast<std::uint32_t>(i))) ++i;
        }
    });
    int seen = 0;
    while (seen < k_count) {
        dgram_header h;
        const auto st = dgram_peek(c, &h);
        ASSERT_NE(st, dgram_status::corrupt);
        if (st == dgram_status::empty) continue;
        std::string s(h.len, '\0');
        dgram_copy_payload(c, h, s.data(), s.size());
        ASSERT_EQ(h.addr, static_cast<std::uint32_t>(seen));
        ASSERT_EQ(s, std::string(static_cast<std::size_t>(seen % 700), static_cast<char>(seen)));
        dgram_consume(c, h);
        ++seen;
    }
    producer.join();
}

}  // namespace
}  // namespace shunt::shm
