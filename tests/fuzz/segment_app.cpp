#include "tests/fuzz/segment_app.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "daemon/app_segment.hpp"
#include "shm/datagram.hpp"
#include "shm/fd_passing.hpp"
#include "shm/fence.hpp"
#include "shm/notify.hpp"
#include "shm/rx_armed.hpp"
#include "tests/fuzz/lwip_env.hpp"

namespace shunt::fuzz {

std::unique_ptr<segment_app> segment_app::attach(std::uint64_t id, const config& c) {
    auto seg = daemon::app_segment::create(k_geometry, id, {{ip4(10, 0, 0, 0), 24}});
    if (!seg) return nullptr;
    std::unique_ptr<segment_app> app(new segment_app());
    app->notify_.fill(-1);
    // The app maps the memfd it was passed, as libshunt does.
    app->map_ = mmap(nullptr, k_geometry.size, PROT_READ | PROT_WRITE, MAP_SHARED, seg->memfd(), 0);
    if (app->map_ == MAP_FAILED) {
        app->map_ = nullptr;
        return nullptr;
    }
    app->view_ = shm::segment_view(app->map_, k_geometry);
    int ctl[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, ctl) != 0) return nullptr;
    app->ctl_ = ctl[0];
    daemon::app_identity who{id, getpid(), c.uid, c.uid, 0};
    daemon::session_limits lim{c.max_sockets, c.max_memory, 1024, nullptr};
    // The session owns the daemon's end (ctl[1]) from here on.
    app->session_ = std::make_unique<daemon::session>(std::move(who), std::move(*seg), ctl[1], lim);
    return app;
}

segment_app::~segment_app() {
    session_.reset();  // first: it resets its connections and closes its fds
    for (auto& [tag, fd] : sent_) close(fd);
    for (int fd : notify_)
        if (fd >= 0) close(fd);
    if (ctl_ >= 0) close(ctl_);
    if (map_) munmap(map_, k_geometry.size);
}

// index_ring_producer::push, bounded: libshunt's retries for as long as the
// cells say another producer is mid-push, which a scribbled ring can say
// forever (the app hangs itself, not the daemon).
bool segment_app::ring(std::uint64_t value) {
    shm::index_ring_shared* r = view_.ring();
    shm::index_cell* cells = view_.cells();
    const std::uint64_t mask = k_geometry.ring_cells - 1;
    std::uint64_t pos = r->enqueue_pos.load(std::memory_order_relaxed);
    for (int tries = 0; tries < 64; ++tries) {
        shm::index_cell& c = cells[pos & mask];
        const std::uint64_t seq = c.seq.load(std::memory_order_acquire);
        const auto diff = static_cast<std::int64_t>(seq - pos);
        if (diff < 0) return false;  // full
        if (diff == 0) {
            if (r->enqueue_pos.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
                c.value.store(value, std::memory_order_relaxed);
                c.seq.store(pos + 1, std::memory_order_release);  // pairs with the daemon's acquire
                return true;
            }
            continue;
        }
        pos = r->enqueue_pos.load(std::memory_order_relaxed);
    }
    return false;
}

std::uint64_t segment_app::claim(std::uint32_t slot) {
    slot %= k_call_slots;
    shm::call_slot* cs = view_.call(slot);
    cs->generation = ++generation_[slot];
    return static_cast<std::uint64_t>(generation_[slot]) << 32 | slot;
}

void segment_app::send_fd(std::uint64_t tag, fd_kind kind) {
    if (ctl_ < 0 || kind == fd_kind::none) return;
    const shm::fd_message m{kind == fd_kind::wrong_tag ? tag ^ 0x8000'0000'0000'0000ull : tag};
    int pair[2] = {-1, -1};
    switch (kind) {
        case fd_kind::notify:
        case fd_kind::wrong_tag:
            if (shm::notify_pair(pair) != 0) return;
            break;
        case fd_kind::pipe:
            if (pipe2(pair, O_CLOEXEC) != 0) return;
            std::swap(pair[0], pair[1]);  // the daemon gets the read end
            break;
        case fd_kind::dgram_pair:
            if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, pair) != 0) return;
            break;
        case fd_kind::no_fd:
            (void)shm::send_with_fd(ctl_, &m, sizeof m, -1, MSG_DONTWAIT);
            return;
        default: return;
    }
    (void)shm::send_with_fd(ctl_, &m, sizeof m, pair[1], MSG_DONTWAIT);
    close(pair[1]);  // the daemon has its own reference now (or never will)
    if (auto it = sent_.find(m.tag); it != sent_.end()) close(it->second);
    sent_[m.tag] = pair[0];
}

void segment_app::post(std::uint32_t slot, const shm::command& c, bool sleeping) {
    slot %= k_call_slots;
    shm::call_slot* cs = view_.call(slot);
    cs->cmd = c;
    posted_[slot] = c;
    // release: pairs with the daemon's acquire load of state; cmd is complete.
    cs->state.store(sleeping ? shm::call_sleeping : shm::call_posted, std::memory_order_release);
}

void segment_app::reap() {
    for (std::uint32_t i = 0; i < k_call_slots; ++i) {
        shm::call_slot* cs = view_.call(i);
        // acquire: pairs with the daemon's release of done; cpl is complete.
        if (cs->state.load(std::memory_order_acquire) != shm::call_done) continue;
        const shm::completion cpl = cs->cpl;
        const shm::command& c = posted_[i];
        if (std::getenv("SHUNT_FUZZ_TRACE"))
            std::fprintf(stderr, "fuzz_segment:   slot %u: op %u sock %u -> result %lld sock %u value %d\n", i,
                         c.opcode, c.sock, static_cast<long long>(cpl.result), cpl.sock, cpl.value);
        const auto opcode = static_cast<shm::op>(c.opcode);
        if (opcode == shm::op::open || opcode == shm::op::accept) {
            auto it = sent_.find(c.tag);
            const int fd = it == sent_.end() ? -1 : it->second;
            if (it != sent_.end()) sent_.erase(it);
            if (cpl.result == 0 && cpl.sock < k_sockets && fd >= 0) {
                if (notify_[cpl.sock] >= 0) close(notify_[cpl.sock]);
                notify_[cpl.sock] = fd;
            } else if (fd >= 0) {
                close(fd);
            }
        } else if (opcode == shm::op::close && cpl.result == 0) {
            close_notify(c.sock);
        }
        cs->state.store(shm::call_free, std::memory_order_release);
    }
}

std::int64_t segment_app::send_stream(std::uint32_t sock, std::size_t n, std::uint8_t fill, bool doorbell) {
    sock %= k_sockets;
    shm::socket_shared* s = sh(sock);
    shm::byte_ring_producer p(&s->tx, view_.tx_data(sock), k_geometry.ring_bytes);
    std::vector<std::uint8_t> bytes(n);
    for (std::size_t i = 0; i < n; ++i) bytes[i] = static_cast<std::uint8_t>(fill + i);
    const std::int64_t w = p.write(bytes.data(), bytes.size());
    // seq_cst fence: the tail store before the look at tx_pending; pairs
    // with the daemon's fence after it clears tx_pending.
    shm::store_load_fence();
    if (doorbell && w > 0 && s->tx_pending.exchange(1, std::memory_order_relaxed) == 0)
        ring(shm::ring_value(shm::ring_kind::tx_ready, sock));
    return w;
}

bool segment_app::send_dgram(std::uint32_t sock, std::uint32_t len, std::uint32_t addr_be, std::uint16_t port_be,
                             bool doorbell) {
    sock %= k_sockets;
    shm::socket_shared* s = sh(sock);
    shm::byte_ring_producer p(&s->tx, view_.tx_data(sock), k_geometry.ring_bytes);
    len = std::min(len, shm::dgram_max_payload(k_geometry.ring_bytes));
    shm::dgram_header h{};
    h.len = len;
    h.addr = addr_be;
    h.port = port_be;
    std::vector<std::uint8_t> payload(len, 0x5a);
    const bool ok = shm::dgram_write(p, h, [&payload](auto&& put) { put(payload.data(), payload.size()); });
    // seq_cst fence: as in send_stream.
    shm::store_load_fence();
    if (doorbell && ok && s->tx_pending.exchange(1, std::memory_order_relaxed) == 0)
        ring(shm::ring_value(shm::ring_kind::tx_ready, sock));
    return ok;
}

std::int64_t segment_app::recv_stream(std::uint32_t sock, std::size_t n) {
    sock %= k_sockets;
    shm::socket_shared* s = sh(sock);
    shm::byte_ring_consumer c(&s->rx, view_.rx_data(sock), k_geometry.ring_bytes);
    std::vector<std::uint8_t> buf(n);
    const std::int64_t got = c.read(buf.data(), buf.size());
    // seq_cst fence: the head store before the look at rx_full; pairs with
    // the daemon's fence after it sets rx_full.
    shm::store_load_fence();
    if (got > 0 && s->rx_full.load(std::memory_order_relaxed) && s->rx_full.exchange(0, std::memory_order_relaxed))
        ring(shm::ring_value(shm::ring_kind::rx_space, sock));
    return got;
}

bool segment_app::recv_dgram(std::uint32_t sock) {
    sock %= k_sockets;
    shm::socket_shared* s = sh(sock);
    shm::byte_ring_consumer c(&s->rx, view_.rx_data(sock), k_geometry.ring_bytes);
    shm::dgram_header h;
    if (shm::dgram_peek(c, &h) != shm::dgram_status::ok) return false;
    std::vector<std::uint8_t> buf(h.len);
    (void)shm::dgram_copy_payload(c, h, buf.data(), buf.size());
    shm::dgram_consume(c, h);
    return true;
}

void segment_app::clear_readable(std::uint32_t sock) {
    sock %= k_sockets;
    shm::socket_shared* s = sh(sock);
    const int fd = notify_[sock];
    shm::rx_flag::app_clear(
        s->rx_armed, [fd] { if (fd >= 0) shm::notify_drain_readable(fd); }, [](int round) { return round < 1000; });
    shm::byte_ring_consumer c(&s->rx, view_.rx_data(sock), k_geometry.ring_bytes);
    const bool ready = c.readable() > 0 || s->accept_ready.load(std::memory_order_acquire) > 0;
    if (ready && shm::rx_flag::app_request_rearm(s->rx_armed)) ring(shm::ring_value(shm::ring_kind::rearm_rx, sock));
}

void segment_app::block_tx(std::uint32_t sock) {
    sock %= k_sockets;
    shm::socket_shared* s = sh(sock);
    if (notify_[sock] >= 0) shm::notify_block_writable(notify_[sock]);
    s->tx_blocked.store(1, std::memory_order_relaxed);
    // seq_cst fence: the store of tx_blocked before the look at the ring;
    // pairs with the daemon's in maybe_unblock_tx.
    shm::store_load_fence();
    shm::byte_ring_producer p(&s->tx, view_.tx_data(sock), k_geometry.ring_bytes);
    if (p.free_space() < static_cast<std::int64_t>(k_geometry.ring_bytes / 4)) return;
    if (s->tx_blocked.exchange(0, std::memory_order_relaxed)) ring(shm::ring_value(shm::ring_kind::drain_tx, sock));
}

void segment_app::drain_notify() {
    for (int fd : notify_)
        if (fd >= 0) shm::notify_drain_readable(fd);
}

void segment_app::close_notify(std::uint32_t sock) {
    sock %= k_sockets;
    if (notify_[sock] >= 0) close(notify_[sock]);
    notify_[sock] = -1;
}

void segment_app::send_junk(std::span<const std::uint8_t> msg, bool with_fd) {
    if (ctl_ < 0) return;
    int pair[2] = {-1, -1};
    if (with_fd && shm::notify_pair(pair) != 0) return;
    // A zero-length SOCK_SEQPACKET message is a real (empty) message.
    (void)shm::send_with_fd(ctl_, msg.data(), msg.size(), pair[1], MSG_DONTWAIT);
    if (pair[0] >= 0) close(pair[0]);
    if (pair[1] >= 0) close(pair[1]);
}

void segment_app::hang_up() {
    if (ctl_ >= 0) close(ctl_);
    ctl_ = -1;
}

}  // namespace shunt::fuzz
