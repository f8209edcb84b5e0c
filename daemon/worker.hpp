// A worker lcore: polls its port's RX queue, runs the lwIP instance it owns
// (input, timers, output) and, later, the app channels assigned to it.
//
//   main lcore                         worker lcore
//   ----------                         ------------
//   link watch --link_up (relaxed)-->  read once per batch -> netif link
//   stop() ------stop_ (release)---->  acquire: leave loop, reset TCP, flush
//   report() <--mutex, try_lock------  publish() every 100 ms (never blocks)
//   sockets() --wanted gen (relaxed)-->  next loop: list every socket, try_lock,
//             <--done gen (release)---   publish the list
//   adopt()/detach() --inbox, flag---->  try_lock when the flag is up: sessions
//                                        start or end (reset, freed) on the worker
//   each of the above --wake_set::notify()-->  ends the worker's sleep
//
// Rules (seed: DPDK lcore rules): no blocking calls and no lock held across
// ring operations on the worker; the publish lock is only ever try_locked
// there. When idle it sleeps as its poll mode says (daemon/nap_policy.hpp),
// in one epoll_pwait2 on everything that can bring work (daemon/wake_set.hpp),
// never longer than its next timer; the sleep is not inside a ring operation.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "daemon/nap_policy.hpp"
#include "daemon/session.hpp"
#include "daemon/session_host.hpp"
#include "daemon/wake_set.hpp"

#include "stack/lwip_stats.hpp"
#include "stack/netif_driver.hpp"

namespace shunt::daemon {

struct worker_report {
    unsigned lcore = 0;
    std::uint64_t loops = 0;       // iterations of the poll loop
    std::uint64_t busy_loops = 0;  // iterations that received at least one frame
    std::uint64_t rx_frames = 0;
    std::uint64_t naps = 0;        // sleeps taken
    std::uint64_t slept_us = 0;    // time asleep in them
    std::uint64_t run_us = 0;      // time the loop has run (asleep or not)
    std::uint64_t wakes_app = 0;   // sleeps ended by an app's wake message
    std::uint64_t wakes_port = 0;  // sleeps ended by the port's RX wake-up
    std::uint64_t batch_hist[5] = {};  // RX bursts of 1, 2-4, 5-8, 9-16, 17-32 frames
    std::uint64_t commands = 0;    // command-ring entries served
    std::uint64_t sessions_failed = 0;  // sessions ended for breaking the protocol
    stack::lwip_stats_snapshot lwip;
    std::vector<session_report> apps;
};

class worker final : public session_host {
public:
    // `wake` holds what ends this worker's sleeps; the port's RX wake-up (if
    // any) is added to it here.
    worker(unsigned lcore, stack::netif_driver& netif, std::unique_ptr<wake_set> wake, nap_policy naps);

    // Entry point for rte_eal_remote_launch; `arg` is the worker.
    static int lcore_main(void* arg);

    void stop() {
        stop_.store(true, std::memory_order_release);
        wake_->notify();
    }
    // Main lcore: the port's link state, read by the worker once per batch.
    void set_link(bool up) {
        if (link_up_.exchange(up, std::memory_order_relaxed) != up) wake_->notify();
    }
    poll_mode mode() const { return naps_.mode(); }
    unsigned lcore() const { return lcore_; }

    // Main lcore: the last published report (at most ~100 ms old).
    worker_report report();

    // Main lcore: every socket of every app this worker serves, listed by the
    // worker on its next loop; nullopt if it has not answered in timeout_ms.
    std::optional<std::vector<socket_report>> sockets(unsigned timeout_ms);

    // Main lcore: hand an attached app to the worker / tell it the app hung up.
    void adopt(std::unique_ptr<session> s) override;
    void detach(std::uint64_t session_id) override;

private:
    void run();
    void publish();
    void shut_connections();
    void take_inbox();
    unsigned serve_sessions();
    void audit_sessions();
    void answer_sockets();
    // Sleeps up to timeout_ns unless some session or the main lcore has work.
    void sleep(std::int64_t timeout_ns);
    std::int64_t until_next_timer(std::uint64_t now, std::uint64_t next_publish) const;

    unsigned lcore_;
    stack::netif_driver& netif_;
    std::unique_ptr<wake_set> wake_;
    nap_policy naps_;
    std::atomic<bool> stop_{false};
    std::atomic<bool> link_up_{false};

    std::vector<std::unique_ptr<session>> sessions_;  // worker-only
    std::atomic<bool> inbox_dirty_{false};
    std::mutex inbox_mu_;
    std::vector<std::unique_ptr<session>> inbox_adopt_;
    std::vector<std::uint64_t> inbox_detach_;

    // Worker-private counters, copied into report_ by publish().
    worker_report live_;
    std::mutex report_mu_;
    worker_report report_;
    // `shuntctl sockets`: the main lcore bumps wanted, the worker answers.
    std::atomic<std::uint64_t> sockets_wanted_{0};
    std::atomic<std::uint64_t> sockets_done_{0};
    std::vector<socket_report> sockets_;  // under report_mu_
};

}  // namespace shunt::daemon
