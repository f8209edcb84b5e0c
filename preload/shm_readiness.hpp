// The readiness of an accelerated socket read from shared memory, as the
// kernel reports its notify fd (shm/notify.hpp, Linux unix_poll), for the
// user-space fast paths of epoll, poll and select (preload/epoll_fast.hpp,
// preload/poll_fast.hpp).
#pragma once

#include <sys/epoll.h>

#include <cstdint>

#include "preload/accel_socket.hpp"

namespace shunt::preload {

// The readiness of an accelerated socket as the kernel reports its notify
// fd (shm/notify.hpp, Linux unix_poll), for the states in which shared
// memory says it all. false: not such a state (the caller asks the kernel).
inline bool readiness(const accel_socket& s, std::uint32_t& ev) {
    const shm::socket_shared* sh = s.sh;
    // acquire: pairs with the daemon's release of status (and of what it published before).
    const std::uint32_t st = sh->status.load(std::memory_order_acquire);
    if (st & (shm::st_error | shm::st_rx_eof | shm::st_tx_shut)) return false;
    if (s.kernel_fd >= 0 || s.shut_rd.load(std::memory_order_relaxed) || s.shut_wr.load(std::memory_order_relaxed))
        return false;
    ev = 0;
    constexpr std::uint32_t in = EPOLLIN | EPOLLRDNORM, out = EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND;
    if (s.listener.load(std::memory_order_relaxed)) {
        if (!(st & shm::st_listening)) return false;
        // acquire: pairs with the daemon's release of accept_ready. A
        // listener's fd is never writable (made unwritable at open).
        if (sh->accept_ready.load(std::memory_order_acquire) > 0) ev |= in;
        return true;
    }
    if (!s.dgram && !(st & shm::st_connected)) return false;
    // acquire: pairs with the daemon's release of the tail; the head is ours.
    const std::uint64_t tail = sh->rx.tail.load(std::memory_order_acquire);
    const std::uint64_t head = sh->rx.head.load(std::memory_order_relaxed);
    if (tail - head > s.rx.capacity()) return false;  // impossible: let the kernel and the read say
    if (tail != head) ev |= in;
    // Writable until the app found the ring short of room and filled the
    // fd (op_helpers' block_tx); the daemon unblocks both together.
    if (sh->tx_blocked.load(std::memory_order_relaxed) == 0) ev |= out;
    return true;
}


}  // namespace shunt::preload
