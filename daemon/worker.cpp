#include "daemon/worker.hpp"

#include <sys/prctl.h>
#include <time.h>

#include "base/log.hpp"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"

namespace shunt::daemon {
namespace {

constexpr unsigned k_idle_loops_before_nap = 256;
constexpr std::uint64_t k_publish_ns = 100'000'000;

std::uint64_t now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

unsigned hist_bucket(unsigned n) {
    if (n <= 1) return 0;
    if (n <= 4) return 1;
    if (n <= 8) return 2;
    if (n <= 16) return 3;
    return 4;
}

}  // namespace

int worker::lcore_main(void* arg) {
    static_cast<worker*>(arg)->run();
    return 0;
}

void worker::run() {
    // A nap should last what we ask, not the default 50 µs timer slack.
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    live_.lcore = lcore_;
    SHUNT_LOG_INFO("worker on lcore %u polling port %s", lcore_, netif_.port().name().c_str());
    unsigned idle = 0;
    std::uint64_t next_publish = now_ns() + k_publish_ns;
    // acquire: pairs with stop()'s release, so the worker sees everything the
    // main lcore did before asking it to stop.
    while (!stop_.load(std::memory_order_acquire)) {
        netif_.set_link(link_up_.load(std::memory_order_relaxed));
        const unsigned n = netif_.poll();
        sys_check_timeouts();
        netif_.flush_tx();
        ++live_.loops;
        if (n) {
            ++live_.busy_loops;
            live_.rx_frames += n;
            ++live_.batch_hist[hist_bucket(n)];
            idle = 0;
        } else if (idle_sleep_us_ && ++idle >= k_idle_loops_before_nap) {
            ++live_.naps;
            timespec ts{0, static_cast<long>(idle_sleep_us_) * 1000};
            nanosleep(&ts, nullptr);
        }
        if ((live_.loops & 63) == 0) {
            const std::uint64_t t = now_ns();
            if (t >= next_publish) {
                publish();
                next_publish = t + k_publish_ns;
            }
        }
    }
    shut_connections();
    publish();
    SHUNT_LOG_INFO("worker on lcore %u stopped", lcore_);
}

// Graceful shutdown: every connection is reset (RST to the peer), listeners
// closed, and the resets leave before the port stops.
void worker::shut_connections() {
    unsigned reset = 0;
    while (tcp_active_pcbs) {
        tcp_abort(tcp_active_pcbs);
        ++reset;
    }
    while (tcp_listen_pcbs.listen_pcbs) {
        if (tcp_close(reinterpret_cast<tcp_pcb*>(tcp_listen_pcbs.listen_pcbs)) != ERR_OK) break;
    }
    netif_.flush_tx();
    if (reset) SHUNT_LOG_INFO("worker on lcore %u reset %u connections", lcore_, reset);
}

void worker::publish() {
    // try_lock: the worker never waits for the main lcore; a skipped publish
    // is retried 100 ms later.
    std::unique_lock lk(report_mu_, std::try_to_lock);
    if (!lk.owns_lock()) return;
    live_.lwip = stack::read_lwip_stats();
    report_ = live_;
}

worker_report worker::report() {
    std::lock_guard lk(report_mu_);
    return report_;
}

}  // namespace shunt::daemon
