#include "preload/deferred_clear.hpp"

#include <cstdlib>
#include <cstring>

#include "preload/app_lock.hpp"
#include "preload/channel.hpp"
#include "preload/fd_table.hpp"
#include "preload/op_helpers.hpp"

namespace shunt::preload::deferred_clear {
namespace detail {
std::atomic<int> pending_count{0};
}  // namespace detail

namespace {

// The pending set: fds, in slots claimed by CAS (lock-free, so a wait in a
// signal handler can flush while the thread it interrupted was adding). A
// full set means the read clears at once instead.
constexpr int k_slots = 256;
std::atomic<int> g_slots[k_slots];
std::atomic<int> g_high{0};  // one past the highest slot ever used

int read_mode() noexcept {
    const char* v = std::getenv("SHUNT_EPOLL");
    return v && std::strcmp(v, "kernel") == 0 ? 0 : 1;
}

bool add(int fd) noexcept {
    for (int i = 0; i < k_slots; ++i) {
        int expect = 0;
        // Slots hold fd + 1 (0: free). relaxed: the count below publishes.
        if (g_slots[i].load(std::memory_order_relaxed) == 0 &&
            g_slots[i].compare_exchange_strong(expect, fd + 1, std::memory_order_relaxed)) {
            int high = g_high.load(std::memory_order_relaxed);
            while (high < i + 1 && !g_high.compare_exchange_weak(high, i + 1, std::memory_order_relaxed)) {
            }
            // release: pairs with flush_slow's acquire of the count; the slot
            // is filled before a flush can find the count non-zero.
            detail::pending_count.fetch_add(1, std::memory_order_release);
            return true;
        }
    }
    return false;
}

// The clear itself, as a read that empties the ring makes it (op_helpers'
// clear_readable), under the socket's receive lock so that no read of
// another thread is consuming meanwhile.
void settle(int fd, accel_socket& s) noexcept {
    if (!s.clear_deferred.exchange(false, std::memory_order_relaxed)) return;  // settled already
    if (!shm::rx_flag::set(s.sh->rx_armed)) return;  // the worker cleared it
    app_lock lk(&s.sh->app_rx_lock);
    if (!lk.owned()) return;  // a handler on a thread inside this socket's read: that read settles it
    s.rx.resync();
    if (s.rx.readable() != 0) return;
    if (!s.dgram && (status_of(s) & (shm::st_rx_eof | shm::st_error))) return;  // EOF keeps it readable
    // The worker is most likely at this very socket (its doorbell went out
    // a moment ago): wait for it briefly, never with a system call. Given
    // up on a send, the doorbell queued behind it clears what it leaves
    // (at worst a spurious wakeup, never a lost one); given up on a clear,
    // the app drains beside the worker.
    (void)clear_readable(fd, s, [&s] { return s.rx.readable() > 0; }, [](int round) {
        __builtin_ia32_pause();
        return round < 512;
    });
}

}  // namespace

bool enabled() noexcept {
    static const int mode = read_mode();
    return mode != 0;
}

bool defer(int fd, accel_socket& s) noexcept {
    if (!enabled() || s.listener.load(std::memory_order_relaxed)) return false;
    // Another process holding the socket waits without our flush.
    if (s.sh->app_refs.load(std::memory_order_relaxed) > 1) return false;
    // A sleeping worker would need waking: the clear costs a system call
    // either way, and ours is the exact one.
    if (s.ch->worker_asleep()) return false;
    // Marked before it enters the set: a flush that takes the entry at once
    // finds the mark to clear (marked after, the socket would stay marked
    // with no entry, and no later read would add one).
    if (!s.clear_deferred.exchange(true, std::memory_order_relaxed) && !add(fd)) {
        s.clear_deferred.store(false, std::memory_order_relaxed);
        return false;
    }
    s.ch->ring(shm::ring_kind::clear_rx, s.id);
    return true;
}

namespace detail {

void flush_slow() noexcept {
    // acquire: pairs with add()'s release; the slots it filled are visible.
    if (pending_count.load(std::memory_order_acquire) == 0) return;
    const int high = g_high.load(std::memory_order_relaxed);
    for (int i = 0; i < high; ++i) {
        const int v = g_slots[i].exchange(0, std::memory_order_relaxed);
        if (v == 0) continue;
        pending_count.fetch_sub(1, std::memory_order_relaxed);
        // The fd may have been closed since, or name another socket now:
        // settling whatever it names is right either way (a readable fd
        // with nothing to read is stale whichever socket it is).
        if (accel_socket* s = fd_table::get(v - 1)) settle(v - 1, *s);
    }
}

}  // namespace detail
}  // namespace shunt::preload::deferred_clear
