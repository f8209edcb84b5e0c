// The session's part in the worker's sleep (daemon/wake_set.hpp,
// docs/architecture.md): what it adds to the sleep set and the command
// ring's sleep handshake. The wake messages apps send on their control
// socket are read with the rest of it (daemon/session_control.cpp).
#include "base/log.hpp"
#include "daemon/session.hpp"

namespace shunt::daemon {

void session::watch(wake_set& w, std::uint64_t tag) {
    wake_ = &w;
    wake_tag_ = tag;
    if (ctl_fd_ >= 0 && !w.add(ctl_fd_, tag))
        SHUNT_LOG_WARN("app pid %d: its control socket cannot wake the worker; it is served when the worker wakes",
                       who_.pid);
    if (kernel_ep_ >= 0 && !w.add(kernel_ep_, tag))
        SHUNT_LOG_WARN("app pid %d: its kernel UDP sockets cannot wake the worker", who_.pid);
    // Without it, a process's death is seen at the next audit (a publish period).
    if (holders_.poll_fd() >= 0) holders_watched_ = static_cast<bool>(w.add(holders_.poll_fd(), tag));
}

bool session::sleep_begin() {
    if (detached_ || !failure_.empty()) return true;  // nothing to serve but lwIP's callbacks
    if (!tx_retry_.empty()) return false;             // datagrams to retry next loop
    return ring_.sleep_begin();
}

void session::sleep_end() {
    if (!detached_) ring_.sleep_end();
}

void session::on_wake() {
    reap_holders();
    drain_control();
}


}  // namespace shunt::daemon
