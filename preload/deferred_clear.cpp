#include "preload/deferred_clear.hpp"

#include <cstdlib>
#include <cstring>

#include "preload/app_lock.hpp"
#include "preload/channel.hpp"
#include "preload/fd_table.hpp"
#include "preload/log.hpp"
#include "preload/op_helpers.hpp"

namespace shunt::preload::deferred_clear {
namespace detail {
std::atomic<int> pending_count{0};
}  // namespace detail

namespace {

// The pending set: sockets, in slots claimed by CAS (lock-free, so a wait
// in a signal handler can flush while the thread it interrupted was
// adding). A full set means the read clears at once instead. Sockets are
// never freed (accel_socket.hpp), so a slot never points at freed memory.
constexpr int k_slots = 256;
std::atomic<accel_socket*> g_slots[k_slots];
std::atomic<int> g_high{0};  // one past the highest slot ever used

int read_mode() noexcept {
    const char* v = secure_getenv("SHUNT_EPOLL");
    if (!v || !*v || std::strcmp(v, "fast") == 0) return 1;
    if (std::strcmp(v, "kernel") == 0) return 0;
    log_line(log_level::warn, "SHUNT_EPOLL must be fast or kernel; using fast");
    return 1;
}

bool add(accel_socket* s) noexcept {
    for (int i = 0; i < k_slots; ++i) {
        accel_socket* expect = nullptr;
        // relaxed: the count below publishes.
        if (g_slots[i].load(std::memory_order_relaxed) == nullptr &&
            g_slots[i].compare_exchange_strong(expect, s, std::memory_order_relaxed)) {
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

// An fd of this process naming s: the one the read was made on, unless it
// was closed (or dup2'ed over) since; then any other (a scan of the fd
// table, rare); -1 if none is left (the socket is closed here).
int fd_of(accel_socket& s) {
    const int fd = s.deferred_fd.load(std::memory_order_relaxed);
    if (fd_table::get(fd) == &s) return fd;
    int found = -1;
    fd_table::for_each([&](int f, accel_socket* other) {
        if (other == &s && found < 0) found = f;
    });
    return found;
}

// The clear itself, as a read that empties the ring makes it (op_helpers'
// clear_readable), under the socket's receive lock so that no read of
// another thread is consuming meanwhile.
void settle(accel_socket& s) noexcept {
    if (!s.clear_deferred.exchange(false, std::memory_order_relaxed)) return;  // settled already
    if (!shm::rx_flag::set(s.sh->rx_armed)) return;  // the worker cleared it
    app_lock lk(&s.sh->app_rx_lock);
    if (!lk.owned()) return;  // a handler on a thread inside this socket's read: that read settles it
    s.rx.resync();
    if (s.rx.readable() != 0) return;
    if (!s.dgram && (status_of(s) & (shm::st_rx_eof | shm::st_error))) return;  // EOF keeps it readable
    const int fd = fd_of(s);
    if (fd < 0) return;
    // The worker may be at this very socket (the doorbell went out a moment
    // ago). Its clear is waited for briefly, never with a system call, then
    // the app drains beside it. Its send is waited for as by every clear
    // (spin, yield, nap): the worker may sit preempted in it by the very
    // app its byte woke, and a wait that returned before it landed would
    // see a byte for bytes already read.
    (void)clear_readable(fd, s, [&s] { return s.rx.readable() > 0; }, [&s](int round) {
        if (shm::rx_flag::state(s.sh->rx_armed.load(std::memory_order_relaxed)) == shm::rx_flag::clearing) {
            __builtin_ia32_pause();
            return round < 512;
        }
        return wait_for_shuntd(s.sh->rx_armed, round);
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
    // Marked before it enters the set: a flush that takes the entry at once
    // finds the mark to clear (marked after, the socket would stay marked
    // with no entry, and no later read would add one).
    const bool marked = s.clear_deferred.exchange(true, std::memory_order_relaxed);
    s.deferred_fd.store(fd, std::memory_order_relaxed);
    if (!marked && !add(&s)) {
        s.clear_deferred.store(false, std::memory_order_relaxed);
        return false;
    }
    // The doorbell never waits and never wakes a sleeping worker (that would
    // cost the system call we save): unrung, or unserved while the worker
    // sleeps, the clear is this process's, at its next wait. An awake worker
    // is asked each time, so an app that waits without libshunt (a raw
    // system call) sees a stale readability only until the worker's next loop.
    if (!marked || !s.ch->worker_asleep()) (void)s.ch->hint(shm::ring_kind::clear_rx, s.id);
    return true;
}

namespace detail {

void flush_slow() noexcept {
    // acquire: pairs with add()'s release; the slots it filled are visible.
    if (pending_count.load(std::memory_order_acquire) == 0) return;
    const int high = g_high.load(std::memory_order_relaxed);
    for (int i = 0; i < high; ++i) {
        accel_socket* s = g_slots[i].exchange(nullptr, std::memory_order_relaxed);
        if (!s) continue;
        pending_count.fetch_sub(1, std::memory_order_relaxed);
        // The socket may be closed since, even recycled for another: its
        // mark says whether anything is left to settle.
        settle(*s);
    }
}

}  // namespace detail
}  // namespace shunt::preload::deferred_clear
