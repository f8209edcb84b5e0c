// The syscall-level interposer (as libsyscall_intercept does it, without it):
// at load, before the app's main, every `syscall` instruction in libc's text
// that can be patched safely jumps to a trampoline that calls shunt's
// dispatcher (preload/syscall_dispatch.cpp via preload/syscall_entry.S), so
// libc's internal calls — stdio on a socket, closefrom's close_range, the
// resolver — reach accelerated sockets too. See docs/libshunt.md.
#pragma once

#include <cstdint>

extern "C" {
// shunt's own fds (the process's holder pair, then each channel's control
// socket and segment memfd: this process's, then those inherited across
// fork), -1 when none: the hook
// passes a close of one (or a dup2/dup3 onto one) to shunt, which moves the
// fd away (kept current by the channel, preload/channel.cpp).
constexpr int k_own_fd_slots = 10;
extern int shunt_own_fds[k_own_fd_slots];
// Non-zero: this thread's syscalls go straight to the kernel. Bits:
// k_bypass_spawning while posix_spawn runs (the child runs in this memory
// and with this TLS, CLONE_VM|CLONE_VFORK, until it execs, and its dup2/close
// of inherited fds, the spawn file actions, are its own fd table's
// business); k_bypass_in_slow_path while the hook's slow path runs a wrapper
// (the wrapper's own kernel calls are not the app's). initial-exec: the
// entry reads it with no call.
extern thread_local int shunt_spawning __attribute__((tls_model("initial-exec")));
// Bit n set: syscall n may concern an accelerated fd, and the entry hands it
// to shunt (preload/syscall_entry.S, which lists them).
__attribute__((visibility("hidden"))) extern const std::uint64_t shunt_syscall_bitmap[7];
}
constexpr int k_bypass_spawning = 1;
constexpr int k_bypass_in_slow_path = 2;

namespace shunt::preload::syscall_hook {

// Whether the entry hands syscall `nr` to shunt at all (its bitmap).
inline bool in_bitmap(long nr) {
    return nr >= 0 && nr < 448 && ((shunt_syscall_bitmap[nr / 64] >> (nr % 64)) & 1);
}

struct report {
    bool enabled = false;     // SHUNT_SYSCALL_HOOK != 0 and libc found
    std::uint32_t patched = 0;
    std::uint32_t skipped = 0;  // syscall instructions left alone (unsafe to patch)
    std::uint32_t unneeded = 0;  // left alone: their number is known and never shunt's
    std::uintptr_t trampolines = 0, trampolines_end = 0;  // where they run (preload/sud.cpp)
};

// Patches libc (once, from libshunt's constructor). Never aborts the app: a
// site it cannot patch safely is counted and left as it is.
void install() noexcept;
const report& last_report() noexcept;

}  // namespace shunt::preload::syscall_hook
