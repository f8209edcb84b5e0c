#include "preload/channel.hpp"

#include <poll.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>

#include <fcntl.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>

#include "preload/log.hpp"
#include "preload/sandbox.hpp"
#include "preload/syscall_hook.hpp"
#include "shm/fd_passing.hpp"
#include "shm/futex.hpp"
#include "shm/protocol.hpp"
#include "shm/sys.hpp"

namespace shunt::preload {
namespace {

constexpr const char* k_default_socket = "/run/shunt/control.sock";

std::mutex g_mu;
std::atomic<int> g_state{0};  // 0 not tried, 1 attached, 2 absent
channel* g_channel = nullptr;
// The channels of the processes this one was forked from, oldest first:
// their sessions still serve the sockets it inherited. Never freed (sockets
// point at them). Written under g_mu (or in a child just forked).
channel* g_inherited[channel::k_max_inherited] = {};
std::atomic<int> g_n_inherited{0};
// The process's holder pair (channel::holder_keep_fd): written under g_mu,
// or in a child just forked, or while adopting a handover.
int g_holder_keep = -1, g_holder_daemon = -1;

std::uint64_t now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

}  // namespace

int move_high(int fd) {
    rlimit rl{};
    long base = 992;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 1024) base = static_cast<long>(rl.rlim_cur) - 32;
    if (base <= fd) return fd;
    const long moved = shm::sys::raw(SYS_fcntl, fd, F_DUPFD_CLOEXEC, base);
    if (moved < 0) return fd;
    shm::sys::close(fd);
    return static_cast<int>(moved);
}

int channel::inherited(channel* out[k_max_inherited]) {
    // acquire: pairs with the release in after_fork_child()/adopt().
    const int n = g_n_inherited.load(std::memory_order_acquire);
    for (int i = 0; i < n; ++i) out[i] = g_inherited[i];
    return n;
}

void channel::after_fork_child() {
    // The only thread now; a lock some other parent thread held at the fork
    // is gone with that thread, so the mutex starts afresh.
    new (&g_mu) std::mutex();
    // Inherited channels let go of (socket_removed) free their places.
    int n = 0;
    for (int i = 0; i < g_n_inherited.load(std::memory_order_relaxed); ++i)
        if (g_inherited[i]->ctl_ >= 0) g_inherited[n++] = g_inherited[i];
    g_n_inherited.store(n, std::memory_order_relaxed);
    if (g_state.load(std::memory_order_relaxed) != 1 || n >= k_max_inherited) return;  // shares the parent's
    g_inherited[n] = g_channel;
    g_n_inherited.store(n + 1, std::memory_order_release);
    g_channel = nullptr;
    g_state.store(0, std::memory_order_release);  // the next new socket attaches this process
    publish_own_fds();
}

void channel::socket_removed() {
    // acq_rel: the last socket's use of the segment comes before the unmap.
    if (sockets_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    std::lock_guard lk(g_mu);
    if (sockets_.load(std::memory_order_relaxed) != 0 || ctl_ < 0) return;
    bool inherited = false;
    for (int i = 0; i < g_n_inherited.load(std::memory_order_relaxed); ++i) inherited = inherited || g_inherited[i] == this;
    if (!inherited) return;  // this process's own: its next socket uses it
    // The object stays (never freed: see g_inherited); nothing uses it now.
    dead_.store(true, std::memory_order_relaxed);
    munmap(view_.base(), view_.geometry().size);
    view_ = shm::segment_view();
    shm::sys::close(ctl_);
    shm::sys::close(seg_fd_);
    ctl_ = seg_fd_ = -1;
    publish_own_fds();
}

int channel::holder_keep_fd() { return g_holder_keep; }
int channel::holder_daemon_fd() { return g_holder_daemon; }

void channel::set_holder_fds(int keep, int daemon_end) {
    g_holder_keep = keep;
    g_holder_daemon = daemon_end;
    publish_own_fds();
}

void channel::publish_own_fds() {
    int i = 0;
    shunt_own_fds[i++] = g_holder_keep;
    shunt_own_fds[i++] = g_holder_daemon;
    auto put = [&i](const channel* c) {
        if (!c || i + 2 > k_own_fd_slots) return;
        shunt_own_fds[i++] = c->ctl_;
        shunt_own_fds[i++] = c->seg_fd_;
    };
    put(g_channel);
    for (int k = 0; k < g_n_inherited.load(std::memory_order_relaxed); ++k) put(g_inherited[k]);
    while (i < k_own_fd_slots) shunt_own_fds[i++] = -1;
}

channel* channel::existing() {
    // acquire: pairs with the release in get(), so the channel is complete.
    return g_state.load(std::memory_order_acquire) == 1 ? g_channel : nullptr;
}

channel* channel::get() {
    const int st = g_state.load(std::memory_order_acquire);
    if (st == 1) return g_channel;
    if (st == 2) return nullptr;
    std::lock_guard lk(g_mu);
    if (g_state.load(std::memory_order_relaxed) == 0) {
        auto* c = new (std::nothrow) channel();
        if (c && c->attach()) {
            g_channel = c;
            publish_own_fds();
            g_state.store(1, std::memory_order_release);
        } else {
            delete c;
            g_state.store(2, std::memory_order_release);
        }
    }
    return g_state.load(std::memory_order_relaxed) == 1 ? g_channel : nullptr;
}

bool channel::attach() {
    const char* path = secure_getenv("SHUNT_SOCKET");
    if (!path || !*path) path = k_default_socket;
    if (const char* s = secure_getenv("SHUNT_SPIN_US")) spin_us_ = static_cast<unsigned>(std::strtoul(s, nullptr, 10));

    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (std::strlen(path) >= sizeof sa.sun_path) {
        log_line(log_level::warn, "SHUNT_SOCKET path too long; running on the kernel");
        return false;
    }
    std::strcpy(sa.sun_path, path);
    const long fd = shm::sys::raw(SYS_socket, AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    ctl_ = static_cast<int>(fd);
    auto give_up = [this](const char* why, int err) {
        log_line(log_level::info, "no shuntd at control socket (%s: %s); sockets stay on the kernel", why,
                 std::strerror(err));
        shm::sys::close(ctl_);
        ctl_ = -1;
        return false;
    };
    if (long r = shm::sys::raw(SYS_connect, ctl_, reinterpret_cast<long>(&sa), sizeof sa); r < 0)
        return give_up("connect", static_cast<int>(-r));
    timeval tv{5, 0};
    shm::sys::setsockopt(ctl_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);

    shm::attach_request req{shm::k_segment_magic, shm::k_protocol_version, 0};
    if (int r = shm::send_with_fd(ctl_, &req, sizeof req, -1, 0); r < 0) return give_up("attach", -r);
    shm::attach_reply rep{};
    int memfd = -1;
    const ssize_t n = shm::recv_with_fd(ctl_, &rep, sizeof rep, &memfd, 0);
    if (n != sizeof rep || rep.magic != shm::k_segment_magic) {
        if (memfd >= 0) shm::sys::close(memfd);
        return give_up("attach reply", n < 0 ? static_cast<int>(-n) : EPROTO);
    }
    if (rep.status != 0 || memfd < 0) {
        if (memfd >= 0) shm::sys::close(memfd);
        log_line(log_level::warn, "shuntd refused this process (%s); sockets stay on the kernel",
                 std::strerror(rep.status ? rep.status : EPROTO));
        shm::sys::close(ctl_);
        ctl_ = -1;
        return false;
    }
    if (!map_segment(memfd, rep.segment_size)) {
        shm::sys::close(memfd);
        return give_up("segment header", EPROTO);
    }
    seg_fd_ = move_high(memfd);  // kept (close-on-exec) for a handover across exec
    ctl_ = move_high(ctl_);
    // Seal the control socket's receive timeout back to blocking-forever: it is
    // only ever polled for hang-up from now on.
    tv = {0, 0};
    shm::sys::setsockopt(ctl_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    log_line(log_level::debug, "attached to shuntd (session %llu, %u sockets of %u-byte rings)",
             static_cast<unsigned long long>(rep.session), view_.geometry().max_sockets, view_.geometry().ring_bytes);
    return true;
}

bool channel::map_segment(int memfd, std::uint64_t size) {
    // Only a mapping the memfd fills is read (past the file's end a read
    // faults), and only one that holds the header.
    struct stat st{};
    if (size < sizeof(shm::segment_header) || shm::sys::raw(SYS_fstat, memfd, reinterpret_cast<long>(&st)) != 0 ||
        static_cast<std::uint64_t>(st.st_size) < size)
        return false;
    void* base = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, memfd, 0);
    if (base == MAP_FAILED) return false;
    const auto* h = static_cast<const shm::segment_header*>(base);
    const shm::segment_geometry& g = h->geometry;
    // make_geometry ends for any header (next_pow2 saturates to 0, which
    // no valid geometry holds).
    const shm::segment_geometry want = shm::make_geometry(g.max_sockets, g.ring_bytes, g.call_slots);
    if (h->magic != shm::k_segment_magic || h->version != shm::k_protocol_version || g.size != size ||
        std::memcmp(&want, &g, sizeof g) != 0 || !shm::is_pow2(g.ring_bytes) || !shm::is_pow2(g.ring_cells) ||
        g.call_slots == 0 || g.max_sockets == 0) {
        munmap(base, size);
        return false;
    }
    view_ = shm::segment_view(base, g);
    // What this process reports of itself (shuntctl apps).
    const auto& hook = syscall_hook::last_report();
    view_.app()->syscall_hook.store(hook.enabled, std::memory_order_relaxed);
    view_.app()->syscall_patched.store(hook.patched, std::memory_order_relaxed);
    view_.app()->syscall_skipped.store(hook.skipped, std::memory_order_relaxed);
    return true;
}

channel* channel::adopt(int ctl, int seg, std::uint64_t size, bool current, std::uint32_t holder) {
    std::lock_guard lk(g_mu);
    if (current && g_state.load(std::memory_order_relaxed) != 0) return nullptr;
    const int n = g_n_inherited.load(std::memory_order_relaxed);
    if (!current && n >= k_max_inherited) return nullptr;
    auto* c = new (std::nothrow) channel();
    if (!c) return nullptr;
    if (const char* s = secure_getenv("SHUNT_SPIN_US")) c->spin_us_ = static_cast<unsigned>(std::strtoul(s, nullptr, 10));
    if (!c->map_segment(seg, size)) {
        delete c;
        return nullptr;
    }
    c->ctl_ = ctl;
    c->seg_fd_ = seg;
    c->holder_.store(holder, std::memory_order_relaxed);
    if (current) {
        g_channel = c;
        // release: pairs with the acquire in get()/existing(); the channel is complete.
        g_state.store(1, std::memory_order_release);
    } else {
        g_inherited[n] = c;
        g_n_inherited.store(n + 1, std::memory_order_release);
    }
    publish_own_fds();
    return c;
}

channel* channel::any() {
    // acquire: pairs with the release that published g_channel.
    return g_state.load(std::memory_order_acquire) != 0 ? g_channel : nullptr;
}

bool channel::move_own_fd(int fd) {
    if (fd < 0) return false;
    channel* all[k_max_inherited + 1];
    int n = inherited(all);
    if (channel* c = any()) all[n++] = c;
    int* slot = nullptr;
    for (int i = 0; i < n && !slot; ++i) {
        if (fd == all[i]->ctl_) slot = &all[i]->ctl_;
        else if (fd == all[i]->seg_fd_) slot = &all[i]->seg_fd_;
    }
    if (!slot && fd == g_holder_keep) slot = &g_holder_keep;
    if (!slot && fd == g_holder_daemon) slot = &g_holder_daemon;
    if (!slot) return false;
    std::lock_guard lk(g_mu);
    const long moved = shm::sys::raw(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 3);
    if (moved < 0) return true;  // no fd left: the number stays ours
    *slot = static_cast<int>(moved);
    publish_own_fds();
    shm::sys::close(fd);
    return true;
}

void channel::forget_dead() {
    std::lock_guard lk(g_mu);
    // The channel object stays (sockets still point at it); only new lookups stop.
    // One daemon behind every channel: the inherited ones are gone too.
    for (int i = 0; i < g_n_inherited.load(std::memory_order_relaxed); ++i)
        g_inherited[i]->dead_.store(true, std::memory_order_relaxed);
    if (g_state.load(std::memory_order_relaxed) == 1) {
        g_channel->dead_.store(true, std::memory_order_relaxed);
        g_state.store(2, std::memory_order_release);
        log_line(log_level::warn, "shuntd is gone; new sockets stay on the kernel");
    }
}

bool channel::daemon_alive() const {
    if (dead()) return false;
    pollfd p{ctl_, POLLRDHUP, 0};
    const long r = shm::sys::raw(SYS_poll, reinterpret_cast<long>(&p), 1, 0);
    if (r > 0 && (p.revents & (POLLHUP | POLLRDHUP | POLLERR | POLLNVAL))) {
        dead_.store(true, std::memory_order_relaxed);
        return false;
    }
    return true;
}

void channel::ring(shm::ring_kind k, std::uint32_t sock) {
    auto prod = view_.ring_producer();
    // The ring has room for every doorbell and call the protocol allows; a
    // full ring means a daemon that stopped serving us.
    while (!prod.push(shm::ring_value(k, sock))) {
        if (!daemon_alive()) return;
        sandbox::yield_cpu();
    }
    // The worker sleeps when idle (daemon/idle_sleeper.hpp); the producer that
    // finds it asleep wakes it with one message on the control socket, which
    // its sleep watches. write(2), not send(2): a call a sandboxed app's
    // filter allows wherever it allows the app's own I/O. The socket is
    // blocking, but never full: at most one wake per sleep is outstanding and
    // the worker reads each before it sleeps again.
    if (prod.wants_wake()) {
        const shm::wake_message m{shm::k_wake_magic};
        (void)shm::sys::raw(SYS_write, ctl_, reinterpret_cast<long>(&m), sizeof m);  // a failure: the daemon is gone
    }
}

bool channel::hint(shm::ring_kind k, std::uint32_t sock) {
    auto prod = view_.ring_producer();
    return prod.push(shm::ring_value(k, sock));
}

shm::completion channel::call(shm::command cmd, int fd_to_send, int fd2, bool creds) {
    shm::completion fail{};
    fail.result = -ECONNRESET;
    const auto& g = view_.geometry();
    shm::call_slot* slot = nullptr;
    std::uint32_t idx = 0;
    for (unsigned tries = 0; !slot; ++tries) {
        idx = next_slot_.fetch_add(1, std::memory_order_relaxed) % g.call_slots;
        shm::call_slot* s = view_.call(idx);
        std::uint32_t expect = shm::call_free;
        // acquire: pairs with the previous user's release of `free`.
        if (s->state.compare_exchange_strong(expect, shm::call_owned, std::memory_order_acquire,
                                             std::memory_order_relaxed)) {
            slot = s;
        } else if (tries % g.call_slots == g.call_slots - 1) {
            if (!daemon_alive()) return fail;
            sandbox::yield_cpu();
        }
    }
    ++slot->generation;
    cmd.tag = (static_cast<std::uint64_t>(slot->generation) << 32) | idx;
    cmd.holder = holder();
    if (fd_to_send >= 0 || creds) {
        const shm::fd_message m{cmd.tag};
        const int fds[shm::k_max_passed_fds] = {fd_to_send, fd2};
        // Asked now (three system calls), as they may have changed since.
        ucred me{};
        if (creds)
            me = ucred{static_cast<pid_t>(shm::sys::raw(SYS_getpid)), static_cast<uid_t>(shm::sys::raw(SYS_geteuid)),
                       static_cast<gid_t>(shm::sys::raw(SYS_getegid))};
        const int nfds = fd_to_send < 0 ? 0 : fd2 >= 0 ? 2 : 1;
        if (shm::send_with_fds(ctl_, &m, sizeof m, fds, nfds, 0, creds ? &me : nullptr) != 0) {
            slot->state.store(shm::call_free, std::memory_order_release);
            return fail;
        }
    }
    slot->cmd = cmd;
    // release: pairs with the daemon's acquire load of state; cmd is complete.
    slot->state.store(shm::call_posted, std::memory_order_release);
    ring(shm::ring_kind::call, idx);

    const std::uint64_t spin_until = spin_us_ ? now_ns() + spin_us_ * 1000ull : 0;
    for (;;) {
        // acquire: pairs with the daemon's release of `done`; cpl is complete.
        std::uint32_t st = slot->state.load(std::memory_order_acquire);
        if (st == shm::call_done) break;
        if (spin_until && now_ns() < spin_until) continue;
        if (st == shm::call_posted &&
            !slot->state.compare_exchange_strong(st, shm::call_sleeping, std::memory_order_acquire))
            continue;  // done meanwhile
        const timespec t{0, 200'000'000};
        if (shm::futex_wait(&slot->state, shm::call_sleeping, &t) != 0 && errno == ETIMEDOUT && !daemon_alive())
            return fail;  // the slot stays claimed: the segment is dead anyway
    }
    const shm::completion c = slot->cpl;
    slot->state.store(shm::call_free, std::memory_order_release);
    return c;
}

}  // namespace shunt::preload
