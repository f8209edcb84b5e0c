// Issue 20 item 11: shuntd's worker logs (an app's session ending, a bad
// message), and the log sink can stall: a pipe nobody reads (shuntd's
// stderr under a supervisor that hung), a slow disk, syslog. Once the
// writer thread runs, a log call never waits on the sink: lines queue, and
// past the queue's size they are dropped and counted, not waited for.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "base/log.hpp"

namespace shunt::test {
namespace {

TEST(LogWriter, AStuckSinkNeverHoldsTheCaller) {
    int p[2];
    ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
    (void)fcntl(p[1], F_SETPIPE_SZ, 4096);  // the smallest pipe: full after a few lines
    ASSERT_TRUE(log::open_sink("/proc/self/fd/" + std::to_string(p[1]), "logtest"));
    log::start_writer();
    const auto start = std::chrono::steady_clock::now();
    for (unsigned i = 0; i < 4 * log::k_queued_lines; ++i)
        SHUNT_LOG_WARN("line %u of a log nobody reads, long enough to fill a pipe soon: %0100u", i, i);
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_LT(took, 5.0) << "a log call waited on the stuck sink";

    // The reader comes back: what was queued is written, and the lines
    // dropped meanwhile are counted.
    // (The sink keeps its own descriptor of the pipe: no end of file comes.)
    std::string got;
    std::atomic<std::size_t> bytes{0};
    std::atomic<bool> stopped{false};
    ASSERT_EQ(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
    std::thread reader([&] {
        char buf[4096];
        for (;;) {
            const ssize_t n = read(p[0], buf, sizeof buf);
            if (n > 0) {
                got.append(buf, static_cast<std::size_t>(n));
                bytes.fetch_add(static_cast<std::size_t>(n));
                continue;
            }
            if (stopped.load()) return;  // written out, and read to the end
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    });
    // Once the backlog is written (nothing new for 100 ms), a new line goes through.
    for (int quiet = 0, waited = 0; quiet < 100 && waited < 5000; ++waited) {
        const std::size_t before = bytes.load();
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        quiet = bytes.load() == before ? quiet + 1 : 0;
    }
    SHUNT_LOG_WARN("after the stall");
    log::stop_writer();
    stopped.store(true);
    reader.join();
    ASSERT_TRUE(log::open_sink("stderr", "logtest"));
    ::close(p[1]);
    ::close(p[0]);
    EXPECT_NE(got.find("line 0 of a log"), std::string::npos);
    EXPECT_NE(got.find("lines dropped (the log sink was slow)"), std::string::npos);
    EXPECT_NE(got.find("after the stall"), std::string::npos);
}

}  // namespace
}  // namespace shunt::test
