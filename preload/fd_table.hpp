// Which of the process's fds are accelerated: an array indexed by fd, sized
// to the process's hard RLIMIT_NOFILE (capped), mapped once and never moved.
// A kernel fd costs one relaxed-acquire load of a null entry.
#pragma once

#include "preload/accel_socket.hpp"

namespace shunt::preload::fd_table {

// Set up at load; safe to call again (no-op).
void init() noexcept;
// The socket fd names, or nullptr (kernel fd, or out of range). Inline: it
// is every wrapper's first step, and a kernel fd must cost only these loads.
inline accel_socket* get(int fd) noexcept;
// fd now names s (takes one of s's fd_refs, which the caller has added).
void set(int fd, accel_socket* s) noexcept;
// Forgets fd; returns what it named.
accel_socket* take(int fd) noexcept;
// Calls f(fd, socket) for every accelerated fd.
template <typename F>
void for_each(F&& f);
// One past the highest fd ever accelerated (the range for_each visits).
int capacity() noexcept;

// The table itself, for the syscall hook's fast path (which may use only
// general registers and so calls nothing): entry fd is non-null when fd is
// accelerated; `size` entries; set up by init().
namespace detail {
// Named for preload/syscall_entry.S, which reads them too.
extern std::atomic<accel_socket*>* table asm("shunt_fd_table");
extern int size asm("shunt_fd_table_size");
}  // namespace detail

}  // namespace shunt::preload::fd_table

namespace shunt::preload::fd_table {
inline accel_socket* get(int fd) noexcept {
    // One unsigned compare covers fd < 0 too. acquire: pairs with set()'s
    // release, so the socket is fully built.
    if (static_cast<unsigned>(fd) >= static_cast<unsigned>(detail::size)) return nullptr;
    return detail::table[fd].load(std::memory_order_acquire);
}

template <typename F>
void for_each(F&& f) {
    const int n = capacity();
    for (int fd = 0; fd < n; ++fd)
        if (accel_socket* s = get(fd)) f(fd, s);
}
}  // namespace shunt::preload::fd_table
