// How long an idle worker sleeps (--poll-mode, docs/shuntd.md):
//   busy       never: the worker polls without pause (lowest latency, a whole CPU).
//   interrupt  after a run of idle polls, until a wake source fires (an app's
//              doorbell, the port's RX interrupt, the main lcore) or the next
//              timer is due; needs a port that can wake it.
//   adaptive   as interrupt when the port can wake the worker; else naps that
//              start at `first_nap_us` and double, up to k_max_blind_nap_ns,
//              while nothing happens, and snap back on the first work.
// Doorbells and the main lcore end any sleep in every mode but busy.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string_view>

namespace shunt::daemon {

enum class poll_mode : std::uint8_t { busy, adaptive, interrupt };

constexpr std::string_view poll_mode_name(poll_mode m) {
    return m == poll_mode::busy ? "busy" : m == poll_mode::interrupt ? "interrupt" : "adaptive";
}

constexpr std::optional<poll_mode> parse_poll_mode(std::string_view s) {
    if (s == "busy") return poll_mode::busy;
    if (s == "adaptive") return poll_mode::adaptive;
    if (s == "interrupt") return poll_mode::interrupt;
    return std::nullopt;
}

class nap_policy {
public:
    static constexpr unsigned k_idle_loops_before_nap = 256;
    // A port that cannot wake the worker is polled at least this often.
    static constexpr std::int64_t k_max_blind_nap_ns = 1'000'000;

    nap_policy(poll_mode mode, unsigned first_nap_us, bool port_wakes)
        : mode_(mode), first_ns_(std::max<std::int64_t>(1000, std::int64_t{first_nap_us} * 1000)),
          port_wakes_(port_wakes), nap_ns_(first_ns_) {}

    // After each loop (`worked`: it received a frame or served a command):
    // whether the worker should sleep now.
    bool idle(bool worked) {
        if (worked) {
            idle_loops_ = 0;
            nap_ns_ = first_ns_;
            return false;
        }
        if (mode_ == poll_mode::busy || idle_loops_ >= k_idle_loops_before_nap) return mode_ != poll_mode::busy;
        return ++idle_loops_ >= k_idle_loops_before_nap;
    }
    // How long that sleep may last, given the time to the worker's next
    // timer (>= 0): until then when the port can wake the worker, else the
    // next of the growing naps.
    std::int64_t nap_ns(std::int64_t until_deadline_ns) {
        if (port_wakes_) return until_deadline_ns;
        const std::int64_t t = std::min(nap_ns_, until_deadline_ns);
        nap_ns_ = std::min(nap_ns_ * 2, k_max_blind_nap_ns);
        return t;
    }

    poll_mode mode() const { return mode_; }
    bool port_wakes() const { return port_wakes_; }

private:
    poll_mode mode_;
    std::int64_t first_ns_;
    bool port_wakes_;
    std::int64_t nap_ns_;
    unsigned idle_loops_ = 0;
};

}  // namespace shunt::daemon
