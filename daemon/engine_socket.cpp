#include "daemon/engine_socket.hpp"

#include <atomic>
#include <cerrno>
#include <unistd.h>

#include "daemon/session.hpp"
#include "shm/fence.hpp"
#include "shm/notify.hpp"
#include "lwip/err.h"
#include "lwip/netif.h"

namespace shunt::daemon {

int lwip_errno(int e) {
    switch (e) {
        case ERR_OK: return 0;
        case ERR_MEM: return ENOBUFS;
        case ERR_BUF: return ENOBUFS;
        case ERR_TIMEOUT: return ETIMEDOUT;
        case ERR_RTE: return ENETUNREACH;
        case ERR_INPROGRESS: return EINPROGRESS;
        case ERR_VAL: return EINVAL;
        case ERR_WOULDBLOCK: return EWOULDBLOCK;
        case ERR_USE: return EADDRINUSE;
        case ERR_ALREADY: return EALREADY;
        case ERR_ISCONN: return EISCONN;
        case ERR_CONN: return ENOTCONN;
        case ERR_IF: return ENETDOWN;
        case ERR_ABRT: return ECONNABORTED;
        case ERR_RST: return ECONNRESET;
        case ERR_CLSD: return ENOTCONN;
        case ERR_ARG: return EINVAL;
        default: return EIO;
    }
}

bool local_address(std::uint32_t addr_be) {
    netif* n;
    NETIF_FOREACH(n) {
        if (ip4_addr_get_u32(netif_ip4_addr(n)) == addr_be) return true;
    }
    return false;
}

void publish_status(engine_socket& s, std::uint32_t bits) {
    // release: pairs with the app's acquire load of status.
    s.sh->status.fetch_or(bits, std::memory_order_release);
}

void notify_release(engine_socket& s, bool hangup) {
    if (s.notify_fd >= 0) {
        if (hangup) shm::notify_hangup(s.notify_fd);
        else close(s.notify_fd);
    }
    // After the daemon's end: our copy of the app's end is never its last
    // reference while the app holds the socket, so closing it changes
    // nothing the app sees.
    if (s.notify_app_fd >= 0) close(s.notify_app_fd);
    s.notify_fd = -1;
    s.notify_app_fd = -1;
}

void maybe_unblock_tx(engine_socket& s) {
    if ((!s.connected && !s.dgram) || s.notify_fd < 0) return;
    // seq_cst fence: our consumption of the ring (head store) comes before the
    // load of tx_blocked; pairs with the app's fence between its store of
    // tx_blocked and its look at the ring.
    shm::store_load_fence();
    if (s.sh->tx_blocked.load(std::memory_order_relaxed) == 0) return;
    const std::int64_t used = s.tx.readable();
    if (used < 0 || static_cast<std::uint64_t>(used) > s.tx.capacity() * 3ull / 4) return;
    if (s.sh->tx_blocked.exchange(0, std::memory_order_relaxed)) s.owner->mark(s, nb_writable);
}

}  // namespace shunt::daemon
