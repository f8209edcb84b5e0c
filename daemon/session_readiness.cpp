// The session's part in the readiness of its sockets' notify fds
// (shm/notify.hpp, shm/rx_armed.hpp): the changes a worker loop collects
// (mark) are applied once at its end (flush), and the readability an app
// left for the worker to clear (the clear_rx doorbell) is cleared here.
#include "daemon/session.hpp"

#include <atomic>

#include "shm/fence.hpp"
#include "shm/notify.hpp"
#include "shm/rx_armed.hpp"

namespace shunt::daemon {

void session::mark(engine_socket& s, std::uint8_t bits) {
    s.pending_ |= bits;
    if (!s.queued_) {
        s.queued_ = true;
        flush_list_.push_back(s.id);
    }
}

// Bytes the app has not read yet, a connection to accept, or EOF.
bool session::has_readable(engine_socket& s) const {
    if (s.listener) return !s.accept_queue.empty();
    if (s.sh->status.load(std::memory_order_relaxed) & (shm::st_rx_eof | shm::st_error)) return true;
    const std::int64_t space = s.rx.free_space();  // acquire of the app's head
    return space < 0 || static_cast<std::uint64_t>(space) < s.rx.capacity();
}

// One byte towards the app under the rx_armed handshake (shm/rx_armed.hpp):
// claimed first, sent only while something is readable, then published.
void session::signal_readable(engine_socket& s, bool new_edge) {
    std::uint32_t was = 0;
    if (!shm::rx_flag::daemon_claim(s.sh->rx_armed, new_edge, was)) return;
    const bool send = has_readable(s);
    if (send) shm::notify_signal_readable(s.notify_fd);
    shm::rx_flag::daemon_finish(s.sh->rx_armed, was, send);
}

// The app took the last bytes and deferred making the fd unreadable to us
// (no system call of its own while the worker runs). We are the ring's only
// producer: empty now means empty until we fill it, so draining the app's
// end under the claim cannot hide bytes. A byte sent before the drain (a
// new edge) is drained with it, which is right: nothing is left to read.
void session::clear_left_readable(engine_socket& s) {
    if (s.notify_app_fd < 0 || s.notify_fd < 0 || s.listener) return;
    if (has_readable(s)) return;
    std::uint32_t was = 0;
    if (!shm::rx_flag::daemon_claim_clear(s.sh->rx_armed, was)) return;  // not armed, or the app is at it
    const bool drain = !has_readable(s);
    if (drain) shm::notify_drain_readable(s.notify_app_fd);
    shm::rx_flag::daemon_finish_clear(s.sh->rx_armed, was, drain);
    if (drain) ++cleared_for_app_;
}

// The fd becomes writable again (maybe_unblock_tx cleared tx_blocked when
// it found room): its filler is drained, unless the app has blocked again
// since (a full ring once more, tx_blocked 1 and new filler), whose filler
// must stay. The app fills, then marks tx_blocked, then fills once more if
// the ring has no room (preload/op_helpers.hpp block_tx): blocked before our
// first look, we leave it; blocked between our looks (we may have drained
// its new filler), we fill the fd again through the app's end; blocked
// after, its own second filling covers what we drained.
void session::unblock_writable(engine_socket& s) {
    // seq_cst: pairs with the app's fence between its store of tx_blocked and its filling.
    if (s.sh->tx_blocked.load(std::memory_order_seq_cst) != 0) return;
    shm::notify_unblock_writable(s.notify_fd);
    if (s.sh->tx_blocked.load(std::memory_order_seq_cst) != 0 && s.notify_app_fd >= 0)
        shm::notify_block_writable(s.notify_app_fd);
}

void session::flush() {
    if (flush_list_.empty()) return;
    // seq_cst fence: the ring publications of this loop come before our
    // loads of rx_armed; pairs with the app's seq_cst compare-exchange of
    // rx_armed before its look at the ring (shm/rx_armed.hpp).
    shm::store_load_fence();
    for (std::uint32_t id : flush_list_) {
        engine_socket* s = socket_by_id(id);
        if (!s) continue;
        s->queued_ = false;
        if (s->notify_fd < 0) continue;  // not yet accepted: applied at adoption
        const std::uint8_t bits = s->pending_;
        s->pending_ = 0;
        if (bits & nb_hangup) {
            notify_release(*s, true);
            continue;
        }
        if (bits & nb_readable) {
            // A byte when readability starts; and another when more arrives
            // while the fd is already readable, so that an edge-triggered
            // waiter gets a new edge as the kernel gives one per arrival
            // (once per loop, not per packet; the app drains them all).
            // Only while something is still there to read: an app that
            // already took it all must not be woken to find nothing.
            signal_readable(*s, bits & nb_more);
        }
        if (bits & nb_eof) shm::notify_eof(s->notify_fd);
        if (bits & nb_writable) unblock_writable(*s);
    }
    flush_list_.clear();
}

}  // namespace shunt::daemon
