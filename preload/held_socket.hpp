// An accelerated socket held for the length of one call, as the kernel
// holds a file from fget() to fput(): a close() of the fd by another thread
// meanwhile takes the fd away, but the socket, its slot in shuntd and its
// rings stay this call's until it returns; the last reference (fd or call)
// releases the socket (op_release). Without it, a send blocked in one
// thread while another closed the fd and accepted a new connection woke up
// to write into the new connection's ring: the slot and the object had both
// been reused (issue 20 item 7).
//
// Every wrapper that works on a socket's rings or calls shuntd for it holds
// it this way. The data calls (read, write, send, recv and their kin) hold
// it in their out-of-line funnels (wrappers.cpp recv_any, send_any): the
// wrapper looks the fd up and tail-calls a funnel or libc, so a kernel fd
// costs what fd_table::get costs (bench: interposer instructions).
#pragma once

#include <cerrno>

#include "preload/fd_table.hpp"
#include "preload/socket_ops.hpp"

namespace shunt::preload {

class held_socket {
public:
    // A kernel fd costs the table look alone: the reference is taken out of
    // line, so the wrapper's own path to libc stays a plain tail call.
    explicit held_socket(int fd) noexcept : s_(fd_table::get(fd) ? hold(fd) : nullptr) {}
    ~held_socket() {
        if (!s_) return;
        const int e = errno;  // the call's errno, set before this runs
        op_release(s_);
        errno = e;
    }
    held_socket(const held_socket&) = delete;
    held_socket& operator=(const held_socket&) = delete;

    operator accel_socket*() const noexcept { return s_; }
    accel_socket* operator->() const noexcept { return s_; }

private:
    [[gnu::noinline]] static accel_socket* hold(int fd) noexcept {
        for (;;) {
            accel_socket* s = fd_table::get(fd);
            if (!s) return nullptr;
            // Only a live socket gains a reference: one whose count reached 0
            // is being released (its fd was taken first: the next look sees it).
            int r = s->fd_refs.load(std::memory_order_relaxed);
            // acquire: pairs with the release half of op_release's acq_rel
            // decrement, so what earlier holders did is visible.
            while (r > 0 &&
                   !s->fd_refs.compare_exchange_weak(r, r + 1, std::memory_order_acquire, std::memory_order_relaxed)) {
            }
            if (r <= 0) continue;
            if (fd_table::get(fd) == s) return s;
            // Closed and recycled between the two looks: the reference went to
            // whatever socket the object is now; give it back, look again.
            op_release(s);
        }
    }

    accel_socket* s_;
};

}  // namespace shunt::preload
