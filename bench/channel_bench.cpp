// channel_bench [SECONDS]: the app<->daemon channel's byte ring between two
// processes, against memcpy in one, for the channel figure of ./dev bench.
//
//   parent (CPU a)                 MAP_SHARED|MAP_ANONYMOUS            child (CPU b)
//   byte_ring_producer  --write-->  byte_ring_shared + 256 KiB data  --read-->  byte_ring_consumer
//
// Messages: 64-byte writes, one read per message (as one recv per message).
// Bulk: 64 KiB writes (partial when the ring is short of room), reads of up
// to 64 KiB. Both sides spin, as a polling worker does; each is pinned to its
// own CPU when the process may use two. memcpy: the same sizes copied in one
// process into a 256 KiB buffer, at the ring's advancing offsets.
//
// Prints one JSON object: msgs_per_s, gbps (1e9 bytes/s), memcpy_msgs_per_s,
// memcpy_gbps, cpus. Exit 1 when the ring reports corruption or the child fails.
#include <sched.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

#include "shm/byte_ring.hpp"

namespace {

using shunt::shm::byte_ring_consumer;
using shunt::shm::byte_ring_producer;
using shunt::shm::byte_ring_shared;
using clock_type = std::chrono::steady_clock;

constexpr std::uint32_t k_ring_bytes = 256 * 1024;
constexpr std::size_t k_msg = 64;
constexpr std::size_t k_bulk = 64 * 1024;
constexpr std::uint64_t k_open = ~std::uint64_t{0};

// The shared mapping: the ring's indexes, the run's control words, the data.
struct shared_area {
    byte_ring_shared ring;
    // release by the parent once it wrote its last byte: the total it wrote
    // (k_open while running); acquire by the child, which stops there.
    alignas(shunt::shm::k_cache_line) std::atomic<std::uint64_t> total{k_open};
    // release by the child once it consumed `total` bytes (or failed: 2);
    // acquire by the parent.
    alignas(shunt::shm::k_cache_line) std::atomic<std::uint32_t> finished{0};
    alignas(shunt::shm::k_cache_line) std::uint8_t data[k_ring_bytes];
};
static_assert(std::atomic<std::uint64_t>::is_always_lock_free);
static_assert(std::atomic<std::uint32_t>::is_always_lock_free);

double seconds_since(clock_type::time_point t0) {
    return std::chrono::duration<double>(clock_type::now() - t0).count();
}

// The first two CPUs this process may run on (-1 when there is only one).
void pick_cpus(int* a, int* b) {
    cpu_set_t set;
    *a = *b = -1;
    if (sched_getaffinity(0, sizeof set, &set) != 0) return;
    for (int c = 0; c < CPU_SETSIZE; ++c) {
        if (!CPU_ISSET(c, &set)) continue;
        if (*a < 0) {
            *a = c;
        } else {
            *b = c;
            return;
        }
    }
}

void pin(int cpu) {
    if (cpu < 0) return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    (void)sched_setaffinity(0, sizeof set, &set);
}

// The consumer: reads chunks of up to `chunk` bytes until the parent's total.
[[noreturn]] void consume(shared_area* a, std::size_t chunk, int cpu) {
    pin(cpu);
    byte_ring_consumer c(&a->ring, a->data, k_ring_bytes);
    std::vector<std::uint8_t> buf(chunk);
    std::uint64_t got = 0;
    for (;;) {
        const std::int64_t n = c.read(buf.data(), chunk);
        if (n < 0) {
            a->finished.store(2, std::memory_order_release);
            _exit(1);
        }
        got += static_cast<std::uint64_t>(n);
        // acquire: pairs with the parent's release of total.
        if (n == 0 && got == a->total.load(std::memory_order_acquire)) break;
    }
    // release: pairs with the parent's acquire of finished.
    a->finished.store(1, std::memory_order_release);
    _exit(0);
}

// Streams writes of `chunk` bytes for `secs` seconds through a fresh ring to
// a forked consumer. Returns {bytes written, seconds}; seconds < 0 on failure.
struct stream_result {
    std::uint64_t bytes;
    double seconds;
};
stream_result stream(std::size_t chunk, double secs, int cpu_a, int cpu_b) {
    void* m = mmap(nullptr, sizeof(shared_area), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return {0, -1};
    auto* a = new (m) shared_area;
    std::memset(a->data, 0, sizeof a->data);  // fault the pages in before timing
    const pid_t child = fork();
    if (child < 0) return {0, -1};
    if (child == 0) consume(a, chunk, cpu_b);
    pin(cpu_a);
    byte_ring_producer p(&a->ring, a->data, k_ring_bytes);
    std::vector<std::uint8_t> src(chunk, 0x5a);
    std::uint64_t sent = 0;
    bool ok = true;
    const auto t0 = clock_type::now();
    for (std::uint64_t i = 0; ok; ++i) {
        std::size_t off = 0;
        while (off < chunk) {
            const std::int64_t w = p.write(src.data() + off, chunk - off);
            if (w < 0) {
                ok = false;
                break;
            }
            off += static_cast<std::size_t>(w);
        }
        sent += off;
        if ((i & 255) == 0 && seconds_since(t0) >= secs) break;
    }
    // release: pairs with the child's acquire of total.
    a->total.store(sent, std::memory_order_release);
    std::uint32_t f = 0;
    // acquire: pairs with the child's release of finished.
    while ((f = a->finished.load(std::memory_order_acquire)) == 0) {
    }
    const double took = seconds_since(t0);
    int status = 0;
    waitpid(child, &status, 0);
    munmap(m, sizeof(shared_area));
    if (!ok || f != 1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return {0, -1};
    return {sent, took};
}

// memcpy of `chunk`-byte copies into a ring-sized buffer for `secs` seconds.
stream_result copy(std::size_t chunk, double secs, int cpu) {
    pin(cpu);
    std::vector<std::uint8_t> src(chunk, 0x5a);
    std::vector<std::uint8_t> dst(k_ring_bytes, 0);
    std::uint64_t done = 0;
    const auto t0 = clock_type::now();
    for (std::uint64_t i = 0;; ++i) {
        shunt::shm::ring_copy_in(dst.data(), k_ring_bytes, done, src.data(), chunk);
        // Keeps the copies: the compiler must assume dst is read.
        asm volatile("" : : "r"(dst.data()) : "memory");
        done += chunk;
        if ((i & 255) == 0 && seconds_since(t0) >= secs) break;
    }
    return {done, seconds_since(t0)};
}

}  // namespace

int main(int argc, char** argv) {
    const double secs = argc > 1 ? std::atof(argv[1]) : 1.0;
    if (secs <= 0) {
        std::fprintf(stderr, "usage: channel_bench [SECONDS]\n");
        return 2;
    }
    int cpu_a = -1, cpu_b = -1;
    pick_cpus(&cpu_a, &cpu_b);
    const stream_result msgs = stream(k_msg, secs, cpu_a, cpu_b);
    const stream_result bulk = stream(k_bulk, secs, cpu_a, cpu_b);
    const stream_result cmsgs = copy(k_msg, secs, cpu_a);
    const stream_result cbulk = copy(k_bulk, secs, cpu_a);
    if (msgs.seconds <= 0 || bulk.seconds <= 0) {
        std::fprintf(stderr, "channel_bench: the ring failed (corrupt index or consumer died)\n");
        return 1;
    }
    std::printf(
        "{\"msgs_per_s\":%.0f,\"gbps\":%.3f,\"memcpy_msgs_per_s\":%.0f,\"memcpy_gbps\":%.3f,"
        "\"msg_bytes\":%zu,\"bulk_bytes\":%zu,\"ring_bytes\":%u,\"cpus\":[%d,%d]}\n",
        static_cast<double>(msgs.bytes / k_msg) / msgs.seconds, static_cast<double>(bulk.bytes) / bulk.seconds / 1e9,
        static_cast<double>(cmsgs.bytes / k_msg) / cmsgs.seconds, static_cast<double>(cbulk.bytes) / cbulk.seconds / 1e9,
        k_msg, k_bulk, k_ring_bytes, cpu_a, cpu_b);
    return 0;
}
