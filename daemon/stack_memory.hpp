// What each app, and each user, holds of lwIP's heap (issue 20 item 6). The
// heap is DPDK memory every app shares, so one app holding unread downloads,
// or writing to peers that never acknowledge, must run out of its own budget
// long before it runs everyone out of memory.
//
// Charged (daemon/tcp_socket.cpp): the bytes of a TCP socket that shuntd
// holds for the app in lwIP's heap: received bytes its receive ring had no
// room for (rx_pending), and written bytes lwIP has not seen acknowledged
// (TCP_SND_BUF - snd_buf), also after the app closed the socket, until its
// peer acknowledges them or the connection dies (an orphan, as Linux's
// orphaned sockets keep their memory charged to tcp_mem).
// Enforced as Linux enforces tcp_mem and each socket's receive buffer:
// - a receive window is what its socket may come to hold, so it is
//   promised from the budget: a connection starts with the window its
//   SYN or SYN-ACK announced (64 KiB) and grows it, up to TCP_WND, while
//   the app reads it as fast as it comes and the budget has room for the
//   promise (as tcp_rcv_space_adjust grows a buffer only below tcp_mem's
//   pressure mark), so a peer never sends what the app has no room for;
// - a segment that would still take the app beyond its budget (only
//   initial windows can promise more than it) is dropped before it is
//   acknowledged (tcp_data_queue's TCPRcvQDrop; the peer retransmits),
//   except the next in-order one of a socket that holds nothing (progress,
//   as sk_forced_mem_schedule);
// - a send stops taking bytes from the app's ring (its send() blocks or
//   says EAGAIN, as sk_stream_wait_memory) until acknowledgements free some.
// Never another app's call.
//
// Threads: an account's counters are atomics (relaxed: they are figures; a
// check and the charge after it may race with another worker's charge, so a
// budget can be overrun by at most one segment per worker). Accounts are
// made on the main lcore (stack_memory_registry) and shared with the workers
// and with orphaned connections through shared_ptr.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>

namespace shunt::daemon {

class stack_memory_account {
public:
    // limit 0: no cap. `parent` (the user's account) is charged with every
    // charge of this one and caps it too.
    explicit stack_memory_account(std::uint64_t limit, std::shared_ptr<stack_memory_account> parent = nullptr)
        : limit_(limit), parent_(std::move(parent)) {}
    stack_memory_account(const stack_memory_account&) = delete;
    stack_memory_account& operator=(const stack_memory_account&) = delete;

    // Bytes that may still be charged before this account or its parent is
    // at its limit (UINT64_MAX when neither has one).
    [[nodiscard]] std::uint64_t room() const noexcept;
    // Bytes of receive window that may still be promised: the limit less
    // what is held and what is promised (held bytes of a window count
    // twice: a window grows less while its bytes wait).
    [[nodiscard]] std::uint64_t window_room() const noexcept;
    // delta > 0: bytes now held; < 0: let go.
    void charge(std::int64_t delta) noexcept;
    // delta > 0: receive window promised; < 0: taken back.
    void promise(std::int64_t delta) noexcept;
    [[nodiscard]] std::uint64_t held() const noexcept { return clamp(held_.load(std::memory_order_relaxed)); }
    [[nodiscard]] std::uint64_t promised() const noexcept { return clamp(promised_.load(std::memory_order_relaxed)); }
    [[nodiscard]] std::uint64_t limit() const noexcept { return limit_; }
    // Segments dropped, sends stopped, for this account's budget.
    void count_drop() noexcept { drops_.fetch_add(1, std::memory_order_relaxed); }
    void count_stall() noexcept { stalls_.fetch_add(1, std::memory_order_relaxed); }
    [[nodiscard]] std::uint64_t drops() const noexcept { return drops_.load(std::memory_order_relaxed); }
    [[nodiscard]] std::uint64_t stalls() const noexcept { return stalls_.load(std::memory_order_relaxed); }
    [[nodiscard]] const stack_memory_account* parent() const noexcept { return parent_.get(); }

private:
    static std::uint64_t clamp(std::int64_t v) { return v > 0 ? static_cast<std::uint64_t>(v) : 0; }
    std::uint64_t own_room(std::uint64_t used) const noexcept;

    const std::uint64_t limit_;
    const std::shared_ptr<stack_memory_account> parent_;
    std::atomic<std::int64_t> held_{0}, promised_{0};
    std::atomic<std::uint64_t> drops_{0}, stalls_{0};
};

// One account per user, shared by that user's apps while any of them (or an
// orphaned connection of one) lives. Main lcore only.
class stack_memory_registry {
public:
    stack_memory_registry(std::uint64_t app_limit, std::uint64_t user_limit)
        : app_limit_(app_limit), user_limit_(user_limit) {}
    // A new app's account, whose parent is its user's.
    [[nodiscard]] std::shared_ptr<stack_memory_account> for_app(uid_t uid);

private:
    std::uint64_t app_limit_, user_limit_;
    std::map<uid_t, std::weak_ptr<stack_memory_account>> users_;
};

}  // namespace shunt::daemon
