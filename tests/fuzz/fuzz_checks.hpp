// What the fuzz targets check of shuntd's code besides the sanitizers
// (docs/fuzzing.md, "What counts as a failure"): that an input gives back
// every fd it opened, and that the main lcore never waits on a client.
// And the daemon's log while they run.
#pragma once

#include <chrono>

namespace shunt::fuzz {

// The fds open now (/proc/self/fd).
int open_fds();

// Aborts, listing every fd open now, unless as many are open as `before`:
// everything an input opens (shuntd's ends, the fuzzer's clients, fds an
// app passed) must be closed when it ends. `target` names the program.
void check_fds(const char* target, int before);

// A main-lcore call (serving a socket, a capture) that takes longer than
// this waited on a client: shuntd's sockets are non-blocking and nothing a
// client does may hold the loop that serves every other one.
constexpr std::chrono::seconds k_block_limit{2};

[[noreturn]] void blocked(const char* what);

// Runs f() and aborts with `what` if it took longer than k_block_limit.
template <typename F>
void must_not_block(const char* what, F&& f) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    if (std::chrono::steady_clock::now() - t0 > k_block_limit) blocked(what);
}

// shuntd's log: errors only, unless SHUNT_FUZZ_LOG=warn|info|debug (every
// refused client and ended session logs a line).
void daemon_log_from_env();

}  // namespace shunt::fuzz
