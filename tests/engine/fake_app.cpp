#include "tests/engine/fake_app.hpp"

#include <arpa/inet.h>
#include <unistd.h>

#include <cstring>
#include <ctime>
#include <mutex>

#include "daemon/app_segment.hpp"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/timeouts.h"
#include "shm/byte_ring.hpp"
#include "shm/fd_passing.hpp"
#include "shm/notify.hpp"

namespace shunt::test {

void lwip_once() {
    static std::once_flag once;
    std::call_once(once, [] { lwip_init(); });
}

fake_app::fake_app(const options& o) {
    lwip_once();
    send_app_end_ = o.send_app_end;
    static std::uint64_t next_session = 1;
    const auto g = shm::make_geometry(o.max_sockets, o.ring_bytes, o.call_slots);
    auto seg = daemon::app_segment::create(g, next_session, {});
    if (!seg) throw std::runtime_error(seg.err().describe());
    view_ = seg->view();
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) throw std::runtime_error("socketpair");
    ctl_app_ = pair[0];
    ctl_daemon_ = pair[1];
    daemon::app_identity who;
    who.id = next_session++;
    who.pid = getpid();
    who.uid = o.uid;
    cred_ = ucred{o.cred_pid ? o.cred_pid : getpid(), o.uid, 0};
    daemon::session_limits limits;
    limits.max_sockets = o.max_sockets;
    limits.max_memory = o.max_memory;
    limits.stack_memory = o.stack_memory;
    session_ = std::make_unique<daemon::session>(who, std::move(*seg), pair[1], limits);
}

fake_app::~fake_app() {
    session_.reset();  // resets connections, frees the segment, closes its ctl end
    pump(0);
    for (int i = 0; i < 10; ++i) {  // let lwIP finish with the resets
        netif_poll_all();
        sys_check_timeouts();
    }
    if (ctl_app_ >= 0) ::close(ctl_app_);
}

double fake_app::now() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

void fake_app::pump(int n) {
    for (int i = 0; i < n && alive_; ++i) {
        unsigned served = 0;
        if (!session_->poll(64, &served)) {
            alive_ = false;
            return;
        }
        netif_poll_all();
        sys_check_timeouts();
        session_->flush();
        if (!session_->audit()) alive_ = false;
    }
}

void fake_app::ring(shm::ring_kind k, std::uint32_t id) {
    auto prod = view_.ring_producer();
    (void)prod.push(shm::ring_value(k, id));  // sized for every doorbell and call: never full here
    // As libshunt does (preload/channel.cpp): wake a worker that sleeps.
    if (prod.wants_wake()) {
        const shm::wake_message m{shm::k_wake_magic};
        if (::write(ctl_app_, &m, sizeof m) == sizeof m) ++wakes_sent_;
    }
}

shm::completion fake_app::call(shm::command c, int fd_to_send, int fd2, bool give_away, bool creds) {
    const std::uint32_t idx = next_slot_++ % view_.geometry().call_slots;
    shm::call_slot* slot = view_.call(idx);
    slot->state.store(shm::call_owned, std::memory_order_relaxed);
    ++slot->generation;
    c.tag = (static_cast<std::uint64_t>(slot->generation) << 32) | idx;
    if (fd_to_send >= 0 || creds) {
        const shm::fd_message m{c.tag};
        const int fds[shm::k_max_passed_fds] = {fd_to_send, fd2};
        shm::send_with_fds(ctl_app_, &m, sizeof m, fds, fd_to_send < 0 ? 0 : fd2 >= 0 ? 2 : 1, 0, &cred_);
        if (give_away)
            for (int f : fds)
                if (f >= 0) ::close(f);
    }
    slot->cmd = c;
    slot->state.store(shm::call_posted, std::memory_order_release);
    ring(shm::ring_kind::call, idx);
    pump_until([slot] { return slot->state.load(std::memory_order_acquire) == shm::call_done; }, 1.0);
    shm::completion r = slot->cpl;
    if (slot->state.load(std::memory_order_acquire) != shm::call_done) r.result = -ETIMEDOUT;
    slot->state.store(shm::call_free, std::memory_order_release);
    return r;
}

namespace {
shm::command make(shm::op o, std::uint32_t sock) {
    shm::command c{};
    c.opcode = static_cast<std::uint32_t>(o);
    c.sock = sock;
    return c;
}
}  // namespace

fake_app::opened fake_app::open(int type) {
    int pair[2];
    shm::notify_pair(pair);
    shm::command c = make(shm::op::open, 0);
    c.a = type;
    const auto cpl = call(c, pair[1], send_app_end_ ? pair[0] : -1);
    ::close(pair[1]);
    if (cpl.result < 0) {
        ::close(pair[0]);
        return {cpl.result, 0, -1};
    }
    return {0, cpl.sock, pair[0]};
}

fake_app::opened fake_app::accept(std::uint32_t listener) {
    int pair[2];
    shm::notify_pair(pair);
    const auto cpl = call(make(shm::op::accept, listener), pair[1], send_app_end_ ? pair[0] : -1);
    ::close(pair[1]);
    if (cpl.result < 0) {
        ::close(pair[0]);
        return {cpl.result, 0, -1};
    }
    return {0, cpl.sock, pair[0]};
}

std::int64_t fake_app::bind(std::uint32_t id, const char* ip, std::uint16_t port) {
    shm::command c = make(shm::op::bind, id);
    c.addr = inet_addr(ip);
    c.port = htons(port);
    return call(c, -1, -1, false, true).result;
}

std::int64_t fake_app::getopt(std::uint32_t id, int level, int name) {
    shm::command c = make(shm::op::getopt, id);
    c.a = level;
    c.b = name;
    const shm::completion r = call(c);
    return r.result < 0 ? r.result : r.value;
}

std::int64_t fake_app::setopt(std::uint32_t id, int level, int name, int value) {
    shm::command c = make(shm::op::setopt, id);
    c.a = level;
    c.b = name;
    c.c = value;
    return call(c).result;
}

std::int64_t fake_app::listen(std::uint32_t id, int backlog) {
    shm::command c = make(shm::op::listen, id);
    c.a = backlog;
    return call(c).result;
}

std::int64_t fake_app::connect(std::uint32_t id, const char* ip, std::uint16_t port) {
    shm::command c = make(shm::op::connect, id);
    c.addr = inet_addr(ip);
    c.port = htons(port);
    return call(c).result;
}

std::int64_t fake_app::close(std::uint32_t id) { return call(make(shm::op::close, id)).result; }

std::uint32_t fake_app::status(std::uint32_t id) const {
    return view_.socket(id)->status.load(std::memory_order_acquire);
}

std::size_t fake_app::send(std::uint32_t id, const void* data, std::size_t n) {
    shm::socket_shared* sh = view_.socket(id);
    shm::byte_ring_producer tx(&sh->tx, view_.tx_data(id), view_.geometry().ring_bytes);
    const std::int64_t w = tx.write(data, n);
    if (w > 0) {
        sh->tx_pending.store(1, std::memory_order_seq_cst);
        ring(shm::ring_kind::tx_ready, id);
    }
    return w > 0 ? static_cast<std::size_t>(w) : 0;
}

std::string fake_app::recv(std::uint32_t id, std::size_t max) {
    shm::socket_shared* sh = view_.socket(id);
    shm::byte_ring_consumer rx(&sh->rx, view_.rx_data(id), view_.geometry().ring_bytes);
    std::string out(std::min<std::size_t>(max, view_.geometry().ring_bytes), '\0');
    const std::int64_t got = rx.read(out.data(), out.size());
    out.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
    if (got > 0 && sh->rx_full.exchange(0, std::memory_order_seq_cst)) ring(shm::ring_kind::rx_space, id);
    return out;
}

}  // namespace shunt::test
