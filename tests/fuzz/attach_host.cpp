#include "tests/fuzz/attach_host.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace shunt::fuzz {
namespace {

[[noreturn]] void die(const std::string& why) {
    std::fprintf(stderr, "fuzz_attach: %s\n", why.c_str());
    std::abort();
}

}  // namespace

attach_host::attach_host(unsigned max_apps, unsigned max_apps_per_user)
    : max_apps_(max_apps), max_apps_per_user_(max_apps_per_user) {
    auto w = daemon::wake_set::create();
    if (!w) die("wake_set: " + w.err().describe());
    wake_ = std::move(*w);
}

// Sessions first: each takes its fds out of the wake set as it ends.
attach_host::~attach_host() { sessions_.clear(); }

void attach_host::adopt(std::unique_ptr<daemon::session> s) {
    const std::uint64_t id = s->who().id;
    const uid_t uid = s->who().uid;
    if (adopted(id)) die("session " + std::to_string(id) + " handed to the worker twice");
    attached_[id] = uid;
    if (attached_.size() > max_apps_)
        die(std::to_string(attached_.size()) + " apps attached at once, max-apps " + std::to_string(max_apps_));
    const auto theirs = std::count_if(attached_.begin(), attached_.end(), [uid](const auto& a) { return a.second == uid; });
    if (uid != 0 && static_cast<unsigned>(theirs) > max_apps_per_user_)
        die("uid " + std::to_string(uid) + " has " + std::to_string(theirs) + " apps attached, max-apps-per-user " +
            std::to_string(max_apps_per_user_));
    // As worker::take_inbox.
    s->watch(*wake_, reinterpret_cast<std::uint64_t>(s.get()));
    sessions_.push_back(std::move(s));
}

void attach_host::detach(std::uint64_t id) {
    if (hung_up_.count(id)) die("the hang-up of session " + std::to_string(id) + " reported twice");
    if (!attached_.erase(id)) die("a hang-up reported for session " + std::to_string(id) + ", never handed over");
    hung_up_.insert(id);
    // As worker::take_inbox: detached, then gone once idle (a session with
    // no sockets always is).
    for (auto& s : sessions_)
        if (s->who().id == id && !s->detached()) s->detach();
    std::erase_if(sessions_, [](const auto& s) { return s->detached() && s->idle(); });
}

// One worker loop, as worker::run: serve_sessions, flush, the sleep (each
// session's sleep_begin and sleep_end around a wait that does not wait),
// audit_sessions and what publish and answer_sockets read.
void attach_host::turn() {
    for (std::size_t i = 0; i < sessions_.size();) {
        unsigned served = 0;
        if (!sessions_[i]->poll(64, &served)) {
            sessions_.erase(sessions_.begin() + static_cast<std::ptrdiff_t>(i));
            continue;
        }
        ++i;
    }
    for (auto& s : sessions_) s->flush();
    bool quiet = true;
    for (auto& s : sessions_) quiet = s->sleep_begin() && quiet;
    if (quiet) wake_->wait(0, [](std::uint64_t tag) { reinterpret_cast<daemon::session*>(tag)->on_wake(); });
    for (auto& s : sessions_) s->sleep_end();
    std::erase_if(sessions_, [](const auto& s) { return !s->audit(); });
    std::erase_if(sessions_, [](const auto& s) { return s->detached() && s->idle(); });
    std::vector<daemon::socket_report> list;
    for (const auto& s : sessions_) {
        s->describe_sockets(list);
        if (!s->detached()) (void)s->report();
    }
}

}  // namespace shunt::fuzz
