// The worker's part for fuzz_attach: the session_host the control server
// hands attached apps to (daemon/session_host.hpp). It serves them as
// daemon/worker.cpp does, on the fuzzer's thread: adopt watches a session's
// control socket in a wake set; detach ends it; turn() is one worker loop
// (the command ring, flush, the wake-ups of a sleep, audit, what `shuntctl
// apps` and `sockets` read), ending a session that failed.
//
// It also checks what the control server promises the worker, aborting
// with a message otherwise: a session id is handed over once; a hang-up is
// reported once, for a session that was handed over; no more apps are
// attached at once than max-apps, nor of one user (root aside) than
// max-apps-per-user.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "daemon/session.hpp"
#include "daemon/session_host.hpp"
#include "daemon/wake_set.hpp"

namespace shunt::fuzz {

class attach_host final : public daemon::session_host {
public:
    attach_host(unsigned max_apps, unsigned max_apps_per_user);
    ~attach_host();

    void adopt(std::unique_ptr<daemon::session> s) override;
    void detach(std::uint64_t session_id) override;
    void turn();

    // Was session `id` handed over (and is it attached: no hang-up yet)?
    bool adopted(std::uint64_t id) const { return attached_.count(id) || hung_up_.count(id); }
    bool attached(std::uint64_t id) const { return attached_.count(id) != 0; }
    std::size_t attached_count() const { return attached_.size(); }

private:
    unsigned max_apps_, max_apps_per_user_;
    std::unique_ptr<daemon::wake_set> wake_;
    std::vector<std::unique_ptr<daemon::session>> sessions_;  // served, as the worker's sessions_
    std::map<std::uint64_t, uid_t> attached_;                  // handed over, not hung up
    std::set<std::uint64_t> hung_up_;
};

}  // namespace shunt::fuzz
