// Sleeping on a 32-bit word in the shared segment. The word is in a
// MAP_SHARED mapping used by several processes (the app, its forked children
// and the daemon), so these are the shared (not FUTEX_PRIVATE) operations.
#pragma once

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>

namespace shunt::shm {

// Sleeps while *word == expected (or until woken, a signal, or the timeout).
// Returns 0, or -1 with errno (EAGAIN: the word had changed; ETIMEDOUT; EINTR).
inline int futex_wait(std::atomic<std::uint32_t>* word, std::uint32_t expected, const timespec* rel_timeout) {
    return static_cast<int>(syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(word), FUTEX_WAIT, expected,
                                    rel_timeout, nullptr, 0));
}

// Wakes up to n sleepers on word; never blocks (the worker may call it).
inline int futex_wake(std::atomic<std::uint32_t>* word, int n) {
    return static_cast<int>(
        syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(word), FUTEX_WAKE, n, nullptr, nullptr, 0));
}

static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));
static_assert(std::atomic<std::uint32_t>::is_always_lock_free);

}  // namespace shunt::shm
