#include "daemon/session.hpp"

#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <cstring>

#include "base/log.hpp"
#include "shm/datagram.hpp"
#include "shm/fd_passing.hpp"
#include "shm/fence.hpp"
#include "shm/futex.hpp"
#include "shm/notify.hpp"
#include "shm/rx_armed.hpp"
#include "daemon/peer_privilege.hpp"
#include "daemon/udp_socket.hpp"

namespace shunt::daemon {

session::session(app_identity who, app_segment seg, int ctl_fd, session_limits limits)
    : who_(std::move(who)), seg_(std::move(seg)), ctl_fd_(ctl_fd), limits_(limits),
      ring_(seg_.view().ring_consumer()), holders_(seg_.view().geometry().max_sockets) {
    std::memcpy(&header_copy_, seg_.view().header(), sizeof header_copy_);
    if (!limits_.stack_memory) limits_.stack_memory = std::make_shared<stack_memory_account>(0);
    // Every message the app sends from now on carries its credentials as
    // they are when it sends it (the kernel's, or what it may claim).
    const int on = 1;
    if (ctl_fd_ >= 0) setsockopt(ctl_fd_, SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
    const std::uint32_t n = seg_.view().geometry().max_sockets;
    sockets_.resize(n);
    free_ids_.reserve(n);
    for (std::uint32_t i = n; i > 0; --i) free_ids_.push_back(i - 1);
}

session::~session() {
    unsigned reset = 0;
    for (auto& s : sockets_) {
        if (!s) continue;
        if (s->pcb) ++reset;
        reset_socket(*s);
        detach_kernel_socket(*s);
        notify_release(*s, false);
    }
    if (kernel_ep_ >= 0) {
        if (wake_) wake_->remove(kernel_ep_);
        close(kernel_ep_);
    }
    for (auto& [tag, f] : fds_) f.close_all();
    if (wake_ && holders_watched_) wake_->remove(holders_.poll_fd());
    if (ctl_fd_ >= 0) {
        // Removed by hand: the main lcore's fd keeps the connection's file open.
        if (wake_) wake_->remove(ctl_fd_);
        // The app must learn that its session is over even if it is still alive.
        shutdown(ctl_fd_, SHUT_RDWR);
        close(ctl_fd_);
    }
    if (!detached_ || reset)
        SHUNT_LOG_INFO("app pid %d (session %llu) %s; %u connections reset", who_.pid,
                       static_cast<unsigned long long>(who_.id), detached_ ? "finished closing" : "detached", reset);
}

void session::detach() {
    if (detached_) return;
    detached_ = true;
    unsigned reset = 0, closing = 0;
    for (auto& s : sockets_) {
        if (!s) continue;
        if (s->closing) {
            ++closing;  // closed by the app: its queued bytes still go out, then the FIN
            continue;
        }
        if (s->pcb) ++reset;
        reset_socket(*s);
        free_socket(*s);
    }
    for (auto& [tag, f] : fds_) f.close_all();
    fds_.clear();
    if (wake_ && holders_watched_) wake_->remove(holders_.poll_fd());
    holders_watched_ = false;
    if (wake_) wake_->remove(ctl_fd_);
    shutdown(ctl_fd_, SHUT_RDWR);
    close(ctl_fd_);
    ctl_fd_ = -1;
    SHUNT_LOG_INFO("app pid %d (session %llu) detached; %u connections reset, %u closing", who_.pid,
                   static_cast<unsigned long long>(who_.id), reset, closing);
}

void session::fail(std::string why) {
    if (failure_.empty()) {
        failure_ = std::move(why);
        SHUNT_LOG_WARN("app pid %d (session %llu): %s; ending its session", who_.pid,
                       static_cast<unsigned long long>(who_.id), failure_.c_str());
    }
}

bool session::poll(unsigned budget, unsigned* served) {
    if (detached_) return true;  // the app is gone: only lwIP's callbacks run
    if (!tx_retry_.empty()) retry_tx();
    if (!stack_memory_waiters_.empty()) retry_stack_memory_waiters();
    if (kernel_sockets_) pump_kernel_sockets();
    std::uint64_t v;
    while (failure_.empty() && budget-- && ring_.pop(&v)) {
        ++*served;
        const auto kind = shm::ring_value_kind(v);
        const std::uint32_t index = shm::ring_value_index(v);
        if (kind == shm::ring_kind::call) on_call(index);
        else on_doorbell(kind, index);
    }
    return failure_.empty();
}

void session::on_call(std::uint32_t slot) {
    const auto& g = seg_.view().geometry();
    if (slot >= g.call_slots) return fail("call slot " + std::to_string(slot) + " out of range");
    shm::call_slot* cs = seg_.view().call(slot);
    // acquire: pairs with the app's release store of `posted`, so cmd is complete.
    const std::uint32_t st = cs->state.load(std::memory_order_acquire);
    if (st != shm::call_posted && st != shm::call_sleeping)
        return fail("call slot " + std::to_string(slot) + " rung in state " + std::to_string(st));
    shm::command c;
    std::memcpy(&c, &cs->cmd, sizeof c);  // one copy: the app cannot change it under us
    shm::completion r{};
    execute(c, r);
    if (!failure_.empty()) return;
    std::memcpy(&cs->cpl, &r, sizeof r);
    // release: pairs with the app's acquire load of `done`; cpl is visible first.
    if (cs->state.exchange(shm::call_done, std::memory_order_acq_rel) == shm::call_sleeping)
        shm::futex_wake(&cs->state, INT_MAX);
}

engine_socket* session::socket_by_id(std::uint32_t id) const {
    return id < sockets_.size() ? sockets_[id].get() : nullptr;
}

// A socket the app may operate on: allocated, handed to the app, not closed.
engine_socket* session::live_socket(std::uint32_t id) const {
    engine_socket* s = socket_by_id(id);
    return s && s->adopted && !s->closing ? s : nullptr;
}

void session::execute(const shm::command& c, shm::completion& r) {
    auto set = [&r](const result<void>& res) { r.result = res ? 0 : -res.err().code; };
    if (c.opcode == static_cast<std::uint32_t>(shm::op::open) || c.opcode == static_cast<std::uint32_t>(shm::op::accept)) {
        // The fds come first, whatever the outcome: every answer consumes them.
        passed_fds fds = take_fds(c.tag);
        // shuntd ran out of fds: this socket fails, as the kernel's socket()
        // fails at a descriptor limit; the session and its other sockets go on.
        if (fds.lost) {
            r.result = -EMFILE;
            return;
        }
        if (fds.first < 0 && !fds.refused) return fail("no notify fd was sent for tag " + std::to_string(c.tag));
        if (fds.refused || !is_stream_unix_socket(fds.first) ||
            (fds.second >= 0 && !is_stream_unix_socket(fds.second))) {
            fds.close_all();
            return fail("the notify fd for tag " + std::to_string(c.tag) + " is not a unix stream socket");
        }
        const auto holder = holders_.resolve(c.holder);
        if (!holder) {  // a process that is gone, or never was
            fds.close_all();
            r.result = -EINVAL;
            return;
        }
        engine_socket* s = nullptr;
        if (c.opcode == static_cast<std::uint32_t>(shm::op::accept)) {
            engine_socket* listener = live_socket(c.sock);
            if (!listener || !listener->listener || listener->accept_queue.empty()) {
                fds.close_all();
                r.result = !listener ? -EBADF : !listener->listener ? -EINVAL : !listener->pcb ? -EINVAL : -EAGAIN;
                return;
            }
            s = socket_by_id(listener->accept_queue.front());
            listener->accept_queue.pop_front();
            listener->sh->accept_ready.store(static_cast<std::uint32_t>(listener->accept_queue.size()),
                                             std::memory_order_release);
            s->notify_fd = fds.first;
            s->notify_app_fd = fds.second;
            s->adopted = true;
            s->app_fd = c.b;
            tcp_adopt(*s);
            tcp_names(*s, r);
        } else {
            if (c.a != SOCK_STREAM && c.a != SOCK_DGRAM) {
                fds.close_all();
                r.result = -EPROTONOSUPPORT;
                return;
            }
            s = alloc_socket();
            if (!s) {
                fds.close_all();
                r.result = in_use_ >= limits_.max_sockets ? -EMFILE : -ENOBUFS;
                return;
            }
            s->notify_fd = fds.first;
            s->notify_app_fd = fds.second;
            s->adopted = true;
            s->app_fd = c.b;
            s->uid = fds.cred.pid ? fds.cred.uid : who_.uid;
            if (auto res = c.a == SOCK_DGRAM ? udp_open(*s) : tcp_open(*s); !res) {
                free_socket(*s);
                set(res);
                return;
            }
        }
        holders_.opened(s->id, *holder);
        r.sock = s->id;
        r.result = 0;
        return;
    }
    if (c.opcode == static_cast<std::uint32_t>(shm::op::kernel_socket)) return attach_kernel_socket(c, r);
    if (c.opcode == static_cast<std::uint32_t>(shm::op::hold)) return hold(c, r);
    // A bind comes with a credentials message (libshunt sends one with every
    // bind), consumed whatever the outcome; what it may carry besides is not kept.
    passed_fds caller;
    if (c.opcode == static_cast<std::uint32_t>(shm::op::bind)) {
        caller = take_fds(c.tag);
        caller.close_all();
        if (!failure_.empty()) return;
    }
    engine_socket* s = live_socket(c.sock);
    if (!s) {
        r.result = -EBADF;
        return;
    }
    if (c.opcode == static_cast<std::uint32_t>(shm::op::close)) {
        // The calling process lets go; the socket closes when the last does.
        const auto holder = holders_.resolve(c.holder);
        if (holder && holders_.release(s->id, *holder)) close_socket(*s, c.a != 0);
        r.result = 0;
        return;
    }
    if (s->dgram) return execute_udp(c, *s, r, caller.cred);
    switch (static_cast<shm::op>(c.opcode)) {
        case shm::op::bind: set(tcp_bind_to(*s, c.addr, c.port, may_bind(c.port, caller.cred))); return;
        case shm::op::listen: set(tcp_listen_on(*s, c.a)); return;
        case shm::op::connect: set(tcp_connect_to(*s, c.addr, c.port)); return;
        case shm::op::shutdown: set(tcp_shutdown_dir(*s, c.a)); return;
        case shm::op::setopt: set(tcp_set_option(*s, c.a, c.b, c.c)); return;
        case shm::op::getopt: {
            auto v = tcp_get_option(*s, c.a, c.b);
            if (v) r.value = *v;
            r.result = v ? 0 : -v.err().code;
            return;
        }
        case shm::op::names:
            tcp_names(*s, r);
            r.result = 0;
            return;
        default: return fail("unknown opcode " + std::to_string(c.opcode));
    }
}

// The same operations on a UDP socket. Listen, accept and shutdown have no
// daemon side for UDP (the app answers them: EOPNOTSUPP, or its own flags).
void session::execute_udp(const shm::command& c, engine_socket& s, shm::completion& r, const ucred& caller) {
    auto set = [&r](const result<void>& res) { r.result = res ? 0 : -res.err().code; };
    switch (static_cast<shm::op>(c.opcode)) {
        case shm::op::bind: set(udp_bind_to(s, c.addr, c.port, may_bind(c.port, caller))); return;
        case shm::op::connect: set(udp_connect_to(s, c.addr, c.port, c.a != 0)); return;
        case shm::op::listen:
        case shm::op::shutdown: r.result = -EOPNOTSUPP; return;
        case shm::op::setopt: set(udp_set_option(s, c.a, c.b, c.c)); return;
        case shm::op::getopt: {
            auto v = udp_get_option(s, c.a, c.b);
            if (v) r.value = *v;
            r.result = v ? 0 : -v.err().code;
            return;
        }
        case shm::op::names:
            udp_names(s, r);
            r.result = 0;
            return;
        default: return fail("unknown opcode " + std::to_string(c.opcode));
    }
}

bool session::may_bind(std::uint16_t port_be, const ucred& caller) const {
    const std::uint16_t port = ntohs(port_be);
    if (port == 0 || port >= limits_.unprivileged_port_start) return true;
    return caller.pid != 0 && may_bind_privileged(caller.pid);
}

void session::reset_socket(engine_socket& s) {
    if (s.dgram) udp_reset(s);
    else tcp_reset(s);
}

void session::close_socket(engine_socket& s, bool abort) {
    if (!s.dgram) {
        notify_release(s, false);
        if (tcp_close_socket(s, abort)) free_socket(s);
        return;
    }
    const bool ok = udp_close_socket(s);
    const std::uint32_t id = s.id;
    free_socket(s);
    if (!ok) fail("corrupt send ring on socket " + std::to_string(id));
}

// op::hold. The fds are checked as the notify fds are: a unix stream socket
// (whose close never waits) or the session fails.
void session::hold(const shm::command& c, shm::completion& r) {
    passed_fds fds = take_fds(c.tag);
    if (fds.refused || (fds.first >= 0 && !is_stream_unix_socket(fds.first)) ||
        (fds.second >= 0 && !is_stream_unix_socket(fds.second))) {
        fds.close_all();
        return fail("the holder fd for tag " + std::to_string(c.tag) + " is not a unix stream socket");
    }
    const auto holder = holders_.resolve(c.holder);
    if (!holder) {
        fds.close_all();
        r.result = -EINVAL;
        return;
    }
    // Only the attacher's first fork gives it a holder of its own.
    int own = fds.second;
    if (*holder != socket_holders::k_attacher && own >= 0) {
        close(own);
        own = -1;
    }
    // fds.lost (shuntd at its fd limit): the child shares the caller's holder.
    const auto ids = holders_.fork(*holder, fds.first, own);
    if (!holders_watched_ && wake_ && holders_.poll_fd() >= 0) holders_watched_ = static_cast<bool>(wake_->add(holders_.poll_fd(), wake_tag_));
    r.sock = ids.child;
    r.value = static_cast<std::int32_t>(ids.caller);
    r.result = 0;
}

void session::reap_holders() {
    if (detached_) return;  // everything was reset with the control connection
    holders_.reap([this](std::uint32_t id) {
        if (engine_socket* s = live_socket(id)) close_socket(*s, false);
    });
}

// UDP sockets whose send ring stopped on ERR_MEM (lwIP may have memory now)
// or on its budget (udp_pull_tx).
void session::retry_tx() {
    std::vector<std::uint32_t> ids;
    ids.swap(tx_retry_);
    for (std::uint32_t id : ids) {
        engine_socket* s = socket_by_id(id);
        if (!s || !s->dgram) continue;
        if (!udp_pull_tx(*s)) return fail("corrupt send ring on socket " + std::to_string(id));
        if (s->tx_retry) tx_retry_.push_back(id);
    }
}

void session::wait_for_stack_memory(engine_socket& s) {
    if (s.stack_memory_wait) return;
    stack_memory().count_stall();
    s.stack_memory_wait = true;
    stack_memory_waiters_.push_back(s.id);
}

// TCP sockets whose send stopped at the budget (tcp_pull_tx), once the
// account (or its user's) has room again: acknowledgements, reads or
// another app's orphans letting go.
void session::retry_stack_memory_waiters() {
    if (stack_memory().room() == 0) return;
    std::vector<std::uint32_t> ids;
    ids.swap(stack_memory_waiters_);
    for (std::uint32_t id : ids) {
        engine_socket* s = socket_by_id(id);
        if (!s || !s->stack_memory_wait) continue;
        s->stack_memory_wait = false;
        // tcp_drive_tx may free s (a closing socket whose ring drained).
        if (!tcp_drive_tx(*s)) return fail("corrupt send ring on socket " + std::to_string(id));
    }
}

void session::on_doorbell(shm::ring_kind k, std::uint32_t id) {
    engine_socket* s = socket_by_id(id);
    if (id >= sockets_.size()) return fail("doorbell for socket " + std::to_string(id) + " out of range");
    if (!s) return;  // a socket closed after the app rang: nothing to do
    switch (k) {
        case shm::ring_kind::tx_ready:
            // Clear first, then look: an app that adds bytes after our look sees 0
            // and rings again (fences pair with the app's in channel send).
            s->sh->tx_pending.store(0, std::memory_order_relaxed);
            shm::store_load_fence();
            if (s->dgram) {
                const bool was_retrying = s->tx_retry;
                if (!udp_pull_tx(*s)) return fail("corrupt send ring on socket " + std::to_string(id));
                if (s->tx_retry && !was_retrying) tx_retry_.push_back(id);
                return;
            }
            if (!tcp_drive_tx(*s)) fail("corrupt send ring on socket " + std::to_string(id));
            return;
        case shm::ring_kind::rx_space:
            if (s->dgram) return;  // UDP never holds datagrams back
            if (!tcp_push_rx(*s)) fail("corrupt receive ring on socket " + std::to_string(id));
            return;
        case shm::ring_kind::rearm_rx:
            // The app cleared readability and then found bytes: make the fd
            // readable (unless it withdrew the request or a byte went out since).
            if (s->notify_fd >= 0) signal_readable(*s, false);
            return;
        case shm::ring_kind::clear_rx:
            // The app emptied the ring and left the fd readable for us to clear.
            clear_left_readable(*s);
            return;
        case shm::ring_kind::drain_tx:
            // The app found room after blocking, but it may have filled the
            // ring and blocked again since: its fd holds filler either way,
            // so the socket counts as blocked and is unblocked only if there
            // is room now (else by the next consumption).
            s->sh->tx_blocked.store(1, std::memory_order_relaxed);
            maybe_unblock_tx(*s);
            return;
        default: return fail("unknown command ring entry kind " + std::to_string(static_cast<unsigned>(k)));
    }
}

// op::kernel_socket. The fd is the app's: untrusted, and its file (flags
// included) is shared with the app, so it is only ever read with
// MSG_DONTWAIT and checked to be an IPv4 UDP socket first.
void session::attach_kernel_socket(const shm::command& c, shm::completion& r) {
    int fd = -1;
    if (c.a == 0) {
        passed_fds fds = take_fds(c.tag);  // consumed whatever the outcome
        fd_reaper::close_later(fds.second);  // one socket is all this call takes
        fd = fds.first;
        if (fd < 0 && fds.refused) {  // not a socket this call takes (closed on arrival)
            r.result = -EINVAL;
            return;
        }
        if (fd < 0) return fail("no kernel socket was sent for tag " + std::to_string(c.tag));
    }
    engine_socket* s = live_socket(c.sock);
    if (!s || !s->dgram) {
        fd_reaper::close_later(fd);
        r.result = s ? -EINVAL : -EBADF;
        return;
    }
    if (c.a != 0) {
        detach_kernel_socket(*s);
        r.result = 0;
        return;
    }
    int type = 0, domain = 0;
    socklen_t len = sizeof type;
    const bool udp = getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_DGRAM &&
                     (len = sizeof domain, getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0) &&
                     domain == AF_INET;
    if (!udp || s->kernel_fd >= 0) {
        fd_reaper::close_later(fd);
        r.result = udp ? -EBUSY : -EINVAL;
        return;
    }
    if (kernel_ep_ < 0) {
        kernel_ep_ = epoll_create1(EPOLL_CLOEXEC);
        // Its datagrams end the worker's sleep (the set is readable while one waits).
        if (kernel_ep_ >= 0 && wake_ && !wake_->add(kernel_ep_, wake_tag_)) {
            close(kernel_ep_);
            kernel_ep_ = -1;
        }
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = s->id;
    if (kernel_ep_ < 0 || epoll_ctl(kernel_ep_, EPOLL_CTL_ADD, fd, &ev) != 0) {
        r.result = -errno;
        close(fd);
        return;
    }
    s->kernel_fd = fd;
    ++kernel_sockets_;
    r.result = 0;
}

void session::detach_kernel_socket(engine_socket& s) {
    if (s.kernel_fd < 0) return;
    // Removed by hand: the app's own copy keeps the file open, and epoll
    // forgets a file only when its last fd is closed.
    epoll_ctl(kernel_ep_, EPOLL_CTL_DEL, s.kernel_fd, nullptr);
    close(s.kernel_fd);
    s.kernel_fd = -1;
    --kernel_sockets_;
}

// The apps' kernel UDP sockets that have datagrams: each goes onto its
// socket's receive ring with its source, as shunt's own do (a full ring
// drops it, counted, as a full socket buffer does). Bounded per loop.
void session::pump_kernel_sockets() {
    epoll_event ev[16];
    const int n = epoll_wait(kernel_ep_, ev, 16, 0);
    if (n <= 0) return;
    if (kernel_buf_.empty()) kernel_buf_.resize(65536);
    for (int i = 0; i < n; ++i) {
        engine_socket* s = live_socket(ev[i].data.u32);
        if (!s || s->kernel_fd < 0) continue;
        bool got = false;
        for (int k = 0; k < 32; ++k) {
            sockaddr_in from{};
            socklen_t flen = sizeof from;
            const ssize_t len = recvfrom(s->kernel_fd, kernel_buf_.data(), kernel_buf_.size(), MSG_DONTWAIT,
                                         reinterpret_cast<sockaddr*>(&from), &flen);
            if (len < 0) break;
            shm::dgram_header h{};
            h.len = static_cast<std::uint32_t>(len);
            h.addr = from.sin_addr.s_addr;
            h.port = from.sin_port;
            const char* data = kernel_buf_.data();
            if (shm::dgram_write(s->rx, h, [data, len](auto&& put) { put(data, static_cast<std::size_t>(len)); })) got = true;
            else if (s->rx.free_space() < 0) return fail("corrupt receive ring on socket " + std::to_string(s->id));
            else ++s->rx_drops;
        }
        if (got) mark(*s, nb_readable | nb_more);
    }
}

bool session::can_alloc_socket() const {
    if (free_ids_.empty() || in_use_ >= limits_.max_sockets) return false;
    const std::uint64_t ring_mem = 2ull * seg_.view().geometry().ring_bytes;
    return !limits_.max_memory || (in_use_ + 1) * ring_mem <= limits_.max_memory;
}

engine_socket* session::alloc_socket() {
    if (!can_alloc_socket()) return nullptr;
    const std::uint32_t id = free_ids_.back();
    free_ids_.pop_back();
    ++in_use_;
    auto s = std::make_unique<engine_socket>();
    s->owner = this;
    s->id = id;
    const auto& v = seg_.view();
    s->sh = v.socket(id);
    // The slot is reset by the daemon before the app learns its id; the app's
    // earlier scribbles (if any) are overwritten here.
    s->sh->tx.tail.store(0, std::memory_order_relaxed);
    s->sh->tx.head.store(0, std::memory_order_relaxed);
    s->sh->rx.tail.store(0, std::memory_order_relaxed);
    s->sh->rx.head.store(0, std::memory_order_relaxed);
    s->sh->rx_armed.store(0, std::memory_order_relaxed);
    s->sh->tx_pending.store(0, std::memory_order_relaxed);
    s->sh->tx_blocked.store(0, std::memory_order_relaxed);
    s->sh->rx_full.store(0, std::memory_order_relaxed);
    s->sh->so_error.store(0, std::memory_order_relaxed);
    s->sh->accept_ready.store(0, std::memory_order_relaxed);
    s->sh->tx_unsent.store(0, std::memory_order_relaxed);
    s->sh->app_tx_lock.store(0, std::memory_order_relaxed);
    s->sh->app_rx_lock.store(0, std::memory_order_relaxed);
    s->sh->app_refs.store(0, std::memory_order_relaxed);
    // release: the resets above are visible before the socket is reported open.
    s->sh->status.store(shm::st_open, std::memory_order_release);
    s->tx = shm::byte_ring_consumer(&s->sh->tx, v.tx_data(id), v.geometry().ring_bytes);
    s->rx = shm::byte_ring_producer(&s->sh->rx, v.rx_data(id), v.geometry().ring_bytes);
    sockets_[id] = std::move(s);
    return sockets_[id].get();
}

void session::free_socket(engine_socket& s) {
    const std::uint32_t id = s.id;
    // Whatever it still held is let go with it (its pcb is gone, or an
    // orphan carries its charge: daemon/tcp_socket.cpp).
    stack_memory().charge(-static_cast<std::int64_t>(s.heap_rx + s.heap_tx));
    stack_memory().promise(-static_cast<std::int64_t>(s.rcv_window));
    detach_kernel_socket(s);
    notify_release(s, false);
    s.sh->status.store(0, std::memory_order_release);
    seg_.release_socket_memory(id);
    sockets_[id].reset();
    free_ids_.push_back(id);
    --in_use_;
}

bool session::audit() {
    if (!failure_.empty()) return false;
    if (detached_) return true;
    reap_holders();
    // Messages that came while the worker was too busy to sleep: read now.
    drain_control();
    expire_unclaimed();
    if (!failure_.empty()) return false;
    if (std::memcmp(&header_copy_, seg_.view().header(), sizeof header_copy_) != 0) {
        fail("the segment header was overwritten");
        return false;
    }
    const auto& g = seg_.view().geometry();
    const std::uint64_t enq = seg_.view().ring()->enqueue_pos.load(std::memory_order_relaxed);
    const std::uint64_t deq = ring_.position();
    if (enq - deq > g.ring_cells) {
        fail("the command ring's producer position is impossible");
        return false;
    }
    return true;
}

void session::describe_sockets(std::vector<socket_report>& out) const {
    for (const auto& s : sockets_) {
        if (!s) continue;
        socket_report r;
        if (s->dgram) udp_describe(*s, r);
        else tcp_describe(*s, r);
        r.pid = who_.pid;
        r.fd = s->adopted && !s->closing ? s->app_fd : -1;  // closed, or waiting in accept
        out.push_back(r);
    }
}

session_report session::report() const {
    session_report r{who_, in_use_, seg_.resident_bytes()};
    const shm::app_info* a = seg_.view().app();
    r.syscall_hook = a->syscall_hook.load(std::memory_order_relaxed) != 0;
    r.syscall_patched = a->syscall_patched.load(std::memory_order_relaxed);
    r.rx_clears = cleared_for_app_;
    r.syscall_skipped = a->syscall_skipped.load(std::memory_order_relaxed);
    const stack_memory_account& m = *limits_.stack_memory;
    r.stack_bytes = m.held();
    r.stack_limit = m.limit();
    r.stack_drops = m.drops();
    r.stack_stalls = m.stalls();
    r.user_stack_bytes = m.parent() ? m.parent()->held() : m.held();
    return r;
}

}  // namespace shunt::daemon
