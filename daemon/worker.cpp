#include "daemon/worker.hpp"

#include <sys/prctl.h>
#include <time.h>

#include <algorithm>
#include <string>

#include "base/log.hpp"
#include "lwip/priv/tcp_priv.h"
#include "lwip/netif.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"

namespace shunt::daemon {
namespace {

// wake_set tags: a session's are its address; the port's is this.
constexpr std::uint64_t k_port_tag = 1;
constexpr std::uint64_t k_publish_ns = 100'000'000;
// How long a detached app's closed sockets may take to deliver what they hold.
constexpr std::uint64_t k_drain_ns = 60'000'000'000;

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

// Frames lwIP queued to its own addresses (netif_poll_all delivers them next loop).
bool loopback_pending() {
    for (const ::netif* n = netif_list; n; n = n->next)
        if (n->loop_first) return true;
    return false;
}

}  // namespace

worker::worker(unsigned lcore, stack::netif_driver& netif, std::unique_ptr<wake_set> wake, nap_policy naps)
    : lcore_(lcore), netif_(netif), wake_(std::move(wake)), naps_(naps) {
    if (const int fd = netif_.port().rx_wake_fd(); fd >= 0) {
        if (auto r = wake_->add(fd, k_port_tag); !r)
            SHUNT_LOG_WARN("port %s: its RX wake-up cannot be watched (%s)", netif_.port().name().c_str(),
                           r.err().describe().c_str());
    }
}

int worker::lcore_main(void* arg) {
    static_cast<worker*>(arg)->run();
    return 0;
}

void worker::run() {
    // A nap should last what we ask, not the default 50 µs timer slack.
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    live_.lcore = lcore_;
    SHUNT_LOG_INFO("worker on lcore %u polling port %s (poll mode %s, port wake-up: %s)", lcore_,
                   netif_.port().name().c_str(), std::string(poll_mode_name(naps_.mode())).c_str(),
                   netif_.port().rx_wake_kind());
    const std::uint64_t started = now_ns();
    std::uint64_t next_publish = started + k_publish_ns;
    // A first report at once: an idle worker may sleep up to a publish
    // period, and shuntctl must never see one without lwIP's counters.
    publish();
    // acquire: pairs with stop()'s release, so the worker sees everything the
    // main lcore did before asking it to stop.
    while (!stop_.load(std::memory_order_acquire)) {
        netif_.set_link(link_up_.load(std::memory_order_relaxed));
        const unsigned n = netif_.poll();
        netif_poll_all();  // loopback: frames lwIP sent to its own addresses
        // acquire: pairs with adopt()/detach()'s release of the flag.
        if (inbox_dirty_.load(std::memory_order_acquire)) take_inbox();
        const unsigned cmds = serve_sessions();
        sys_check_timeouts();
        netif_.flush_tx();
        for (auto& s : sessions_) s->flush();
        if (sockets_wanted_.load(std::memory_order_relaxed) != sockets_done_.load(std::memory_order_relaxed))
            answer_sockets();
        ++live_.loops;
        const bool worked = n || cmds;
        if (worked) {
            ++live_.busy_loops;
            live_.rx_frames += n;
            ++live_.batch_hist[hist_bucket(n)];
        }
        bool slept = false;
        if (naps_.idle(worked)) {
            sleep(naps_.nap_ns(until_next_timer(now_ns(), next_publish)));
            slept = true;
        }
        if (slept || (live_.loops & 63) == 0) {
            const std::uint64_t t = now_ns();
            if (t >= next_publish) {
                live_.run_us = (t - started) / 1000;
                audit_sessions();
                publish();
                next_publish = t + k_publish_ns;
            }
        }
    }
    sessions_.clear();  // resets every app connection
    take_inbox();
    sessions_.clear();
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

std::int64_t worker::until_next_timer(std::uint64_t now, std::uint64_t next_publish) const {
    std::int64_t t = next_publish > now ? static_cast<std::int64_t>(next_publish - now) : 0;
    const u32_t lwip_ms = sys_timeouts_sleeptime();
    if (lwip_ms != SYS_TIMEOUTS_SLEEPTIME_INFINITE) t = std::min<std::int64_t>(t, std::int64_t{lwip_ms} * 1'000'000);
    return t;
}

// The sleep of an idle worker. Each session's command ring is told first
// (index_ring_consumer::sleep_begin, a Dekker pair with the app's push), so
// an app that pushes from then on sends a wake message, and one that pushed
// just before is seen here and the sleep is skipped.
void worker::sleep(std::int64_t timeout_ns) {
    // Work the next loop does anyway: no sleep. (The main lcore's flags are
    // set before its notify(), so one it sets after this look ends the sleep.)
    if (inbox_dirty_.load(std::memory_order_acquire) || loopback_pending() ||
        sockets_wanted_.load(std::memory_order_relaxed) != sockets_done_.load(std::memory_order_relaxed))
        return;
    bool quiet = true;
    for (auto& s : sessions_) quiet = s->sleep_begin() && quiet;  // every one begins, so every one ends
    if (quiet) {
        stack::dpdk_port& port = netif_.port();
        port.arm_rx_wake(true);
        const std::uint64_t t0 = now_ns();
        wake_->wait(timeout_ns, [this](std::uint64_t tag) {
            if (tag == k_port_tag) {
                ++live_.wakes_port;
                return;
            }
            ++live_.wakes_app;
            reinterpret_cast<session*>(tag)->on_wake();
        });
        live_.slept_us += (now_ns() - t0) / 1000;
        ++live_.naps;
        port.arm_rx_wake(false);
    }
    for (auto& s : sessions_) s->sleep_end();
}

void worker::adopt(std::unique_ptr<session> s) {
    {
        std::lock_guard lk(inbox_mu_);
        inbox_adopt_.push_back(std::move(s));
        // release: pairs with the worker's acquire; the queued session is visible first.
        inbox_dirty_.store(true, std::memory_order_release);
    }
    wake_->notify();
}

void worker::detach(std::uint64_t session_id) {
    {
        std::lock_guard lk(inbox_mu_);
        inbox_detach_.push_back(session_id);
        inbox_dirty_.store(true, std::memory_order_release);
    }
    wake_->notify();
}

// try_lock: the main lcore holds the lock only to push; if it does right now,
// the flag stays up and the next loop takes the inbox.
void worker::take_inbox() {
    std::vector<std::unique_ptr<session>> adopt;
    std::vector<std::uint64_t> detach;
    {
        std::unique_lock lk(inbox_mu_, std::try_to_lock);
        if (!lk.owns_lock()) return;
        adopt.swap(inbox_adopt_);
        detach.swap(inbox_detach_);
        inbox_dirty_.store(false, std::memory_order_relaxed);
    }
    for (auto& s : adopt) {
        s->watch(*wake_, reinterpret_cast<std::uint64_t>(s.get()));
        sessions_.push_back(std::move(s));
    }
    for (std::uint64_t id : detach) {
        for (auto& s : sessions_)
            if (s->who().id == id && !s->detached()) {
                s->detach();
                s->drain_deadline_ns = now_ns() + k_drain_ns;
            }
    }
    std::erase_if(sessions_, [](const std::unique_ptr<session>& s) { return s->detached() && s->idle(); });
}

// Serves each session's command ring; a session that broke the protocol is
// ended here (its connections reset), others are untouched.
unsigned worker::serve_sessions() {
    constexpr unsigned k_budget = 64;  // entries per session per loop: no app starves another
    unsigned served = 0;
    for (std::size_t i = 0; i < sessions_.size();) {
        const bool ok = sessions_[i]->poll(k_budget, &served);
        if (!ok) {
            ++live_.sessions_failed;
            sessions_.erase(sessions_.begin() + static_cast<std::ptrdiff_t>(i));
            continue;
        }
        ++i;
    }
    live_.commands += served;
    return served;
}

void worker::audit_sessions() {
    const auto before = sessions_.size();
    std::erase_if(sessions_, [](const std::unique_ptr<session>& s) { return !s->audit(); });
    live_.sessions_failed += before - sessions_.size();
    // Detached sessions go once their closing sockets are done, or at the
    // deadline (what is left is reset then).
    const std::uint64_t t = now_ns();
    std::erase_if(sessions_, [t](const std::unique_ptr<session>& s) {
        return s->detached() && (s->idle() || t >= s->drain_deadline_ns);
    });
}

void worker::publish() {
    // try_lock: the worker never waits for the main lcore; a skipped publish
    // is retried 100 ms later.
    std::unique_lock lk(report_mu_, std::try_to_lock);
    if (!lk.owns_lock()) return;
    live_.lwip = stack::read_lwip_stats();
    live_.apps.clear();
    for (const auto& s : sessions_)
        if (!s->detached()) live_.apps.push_back(s->report());
    report_ = live_;
}

void worker::answer_sockets() {
    std::vector<socket_report> list;
    for (const auto& s : sessions_) s->describe_sockets(list);
    // try_lock: never wait for the main lcore; the request stays pending and
    // is answered on a later loop.
    std::unique_lock lk(report_mu_, std::try_to_lock);
    if (!lk.owns_lock()) return;
    sockets_.swap(list);
    // release: pairs with sockets()' acquire; the list is complete first.
    sockets_done_.store(sockets_wanted_.load(std::memory_order_relaxed), std::memory_order_release);
}

std::optional<std::vector<socket_report>> worker::sockets(unsigned timeout_ms) {
    const std::uint64_t gen = sockets_wanted_.fetch_add(1, std::memory_order_relaxed) + 1;
    wake_->notify();
    for (unsigned waited = 0;; ++waited) {
        if (sockets_done_.load(std::memory_order_acquire) >= gen) break;
        if (waited >= timeout_ms) return std::nullopt;
        timespec ts{0, 1'000'000};
        nanosleep(&ts, nullptr);
    }
    std::lock_guard lk(report_mu_);
    return sockets_;
}

worker_report worker::report() {
    std::lock_guard lk(report_mu_);
    return report_;
}

}  // namespace shunt::daemon
