// Where the control server (daemon/control_server.hpp) hands the apps it
// attaches: in shuntd the worker that serves them (daemon/worker.hpp); in
// tests/fuzz/fuzz_attach a stand-in that plays the worker's part. Both calls
// come from the main lcore and never block.
#pragma once

#include <cstdint>
#include <memory>

namespace shunt::daemon {

class session;

class session_host {
public:
    // An attached app's session: the host serves it from now on.
    virtual void adopt(std::unique_ptr<session> s) = 0;
    // The app of session `session_id` hung up. The id may name a session the
    // host has already ended (it failed, or the app broke the protocol).
    virtual void detach(std::uint64_t session_id) = 0;

protected:
    ~session_host() = default;
};

}  // namespace shunt::daemon
