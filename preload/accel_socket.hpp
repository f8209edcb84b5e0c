// An accelerated socket as this process sees it. Several fds of the process
// may refer to it (dup), each an fd of the same notify socketpair end; the
// socket's daemon side closes when the last fd in the last process sharing
// it (fork) is closed.
//
// Objects are recycled through a free list and never returned to the
// allocator: a thread that looked an fd up just as another thread closed it
// (an app race the kernel also leaves undefined) touches a valid object.
#pragma once

#include <sys/time.h>

#include <atomic>
#include <cstdint>

#include "shm/byte_ring.hpp"
#include "shm/segment.hpp"

namespace shunt::preload {

class channel;

struct accel_socket {
    channel* ch = nullptr;
    std::uint32_t id = 0;
    shm::socket_shared* sh = nullptr;
    shm::byte_ring_producer tx;
    shm::byte_ring_consumer rx;
    bool dgram = false;           // UDP: the rings carry datagram records (shm/datagram.hpp)
    // A TCP listener on 0.0.0.0 serving both stacks (preload/dual_listener):
    // the app's fd is an epoll fd holding these two private fds, the kernel
    // listener and the notify socket. -1 otherwise (the app's fd is the
    // notify socket itself).
    int kernel_fd = -1;
    int notify_fd = -1;
    std::atomic<int> fd_refs{0};  // fds of this process naming it, and calls in flight on it (held_socket.hpp)
    std::atomic<bool> nonblocking{false};
    std::atomic<bool> listener{false};
    std::atomic<bool> shut_rd{false};
    std::atomic<bool> shut_wr{false};
    std::atomic<bool> connect_reported{false};  // a non-blocking connect's outcome was read
    // In this process's set of readabilities left for the worker to clear
    // (preload/deferred_clear.hpp); the set's flush takes it out. The fd
    // the read was made on (another may name the socket by the flush).
    std::atomic<bool> clear_deferred{false};
    std::atomic<int> deferred_fd{-1};
    // Options kept on the app side (the kernel's values are what getsockopt reports).
    int linger_on = 0, linger_s = 0;
    timeval rcvtimeo{}, sndtimeo{};
    int rcvbuf = 0, sndbuf = 0;
    int dgram_keepalive = 0;  // UDP: SO_KEEPALIVE is stored and reported, with no effect
    accel_socket* next_free = nullptr;
};

accel_socket* accel_socket_new();
void accel_socket_free(accel_socket* s);

}  // namespace shunt::preload
