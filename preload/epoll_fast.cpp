#include "preload/epoll_fast.hpp"

#include <pthread.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <new>
#include <vector>

#include "preload/accel_socket.hpp"
#include "preload/deferred_clear.hpp"
#include "preload/fd_table.hpp"
#include "preload/real.hpp"
#include "preload/shm_readiness.hpp"

namespace shunt::preload::epoll_fast {
namespace {

// One accelerated socket registered in a set.
struct watch {
    int fd;
    accel_socket* s;
    std::uint32_t events;
    epoll_data_t data;
};

// A set this process created. The lock is a try-lock everywhere but in
// epoll_ctl: a wait or a close that finds it taken (another thread, or a
// signal handler on this one) takes the kernel path instead of waiting.
struct epoll_set {
    std::atomic<bool> lock{false};
    bool in_use = false;
    int fd = -1;
    // The kernel path only, for good: something may change the kernel's set
    // unseen (a dup'ed fd, a fork), or a registration we cannot follow.
    bool kernel_only = false;
    unsigned special = 0;         // registrations needing the kernel path (EPOLLET, ...)
    unsigned kernel_members = 0;  // fds the kernel alone sees (an upper bound)
    unsigned calls = 0;
    std::uint64_t kernel_look_ns = 0;
    std::size_t next = 0;         // where the next scan starts
    std::vector<watch> watches;

    bool try_lock() { return !lock.exchange(true, std::memory_order_acquire); }
    void take() {
        while (lock.exchange(true, std::memory_order_acquire)) __builtin_ia32_pause();
    }
    void unlock() { lock.store(false, std::memory_order_release); }
};

constexpr std::uint32_t k_special = EPOLLET | EPOLLONESHOT | EPOLLEXCLUSIVE | EPOLLWAKEUP;
constexpr unsigned k_kernel_every = 64;
constexpr std::uint64_t k_kernel_after_ns = 1'000'000;

// Sets by fd number (the fd table's size); every set ever made, for the
// fd-lifetime hooks. Sets are recycled, never freed: a thread still inside
// a wait on a set another thread closed touches a valid object.
// The table, published once (release, in created(); every reader acquires).
struct table {
    std::atomic<epoll_set*>* sets;
    int size;
};
std::atomic<table*> g_table{nullptr};
std::once_flag g_once;
std::mutex g_all_mu;
std::vector<epoll_set*>* g_all = nullptr;
std::atomic<int> g_live{0};

bool enabled() { return deferred_clear::enabled(); }

std::uint64_t now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

epoll_set* get(int fd) {
    // acquire: pairs with created()'s release of the table.
    const table* t = g_table.load(std::memory_order_acquire);
    if (!t || static_cast<unsigned>(fd) >= static_cast<unsigned>(t->size)) return nullptr;
    // acquire: pairs with created()'s release; the set is reset before.
    return t->sets[fd].load(std::memory_order_acquire);
}

void forget(int fd) {
    epoll_set* set = get(fd);
    if (!set || !g_table.load(std::memory_order_acquire)->sets[fd].compare_exchange_strong(set, nullptr, std::memory_order_acq_rel))
        return;
    set->take();
    set->in_use = false;
    set->watches.clear();
    set->unlock();
    g_live.fetch_sub(1, std::memory_order_relaxed);
}

// f(set) for every set ever made (in use or not).
template <typename F>
void each_set(F&& f) {
    std::lock_guard lk(g_all_mu);
    if (g_all)
        for (epoll_set* set : *g_all) f(*set);
}

}  // namespace

void created(int epfd) noexcept {
    if (!enabled()) return;
    std::call_once(g_once, [] {
        fd_table::init();
        const int n = fd_table::detail::size;
        auto* sets = static_cast<std::atomic<epoll_set*>*>(std::calloc(static_cast<std::size_t>(n), sizeof(std::atomic<epoll_set*>)));
        g_all = new (std::nothrow) std::vector<epoll_set*>();
        auto* t = new (std::nothrow) table{sets, n};
        if (!sets || !g_all || !t) return;
        g_table.store(t, std::memory_order_release);
    });
    const table* t = g_table.load(std::memory_order_acquire);
    if (!t || static_cast<unsigned>(epfd) >= static_cast<unsigned>(t->size)) return;
    forget(epfd);  // a number this process reuses: whatever it named is gone
    epoll_set* set = nullptr;
    {
        std::lock_guard lk(g_all_mu);
        for (epoll_set* c : *g_all)
            if (!c->in_use && c->try_lock()) {
                if (!c->in_use) {
                    set = c;
                    break;
                }
                c->unlock();
            }
        if (!set) {
            set = new (std::nothrow) epoll_set();
            if (!set) return;
            g_all->push_back(set);
            set->take();
        }
        set->in_use = true;
        set->fd = epfd;
        set->kernel_only = false;
        set->special = 0;
        set->kernel_members = 0;
        set->calls = 0;
        set->kernel_look_ns = 0;
        set->next = 0;
        set->watches.clear();
        set->unlock();
    }
    // release: the reset set is visible before a wait can find it.
    t->sets[epfd].store(set, std::memory_order_release);
    g_live.fetch_add(1, std::memory_order_relaxed);
}

void controlled(int epfd, int op, int fd, const epoll_event* ev) noexcept {
    epoll_set* set = get(epfd);
    if (!set) return;
    set->take();
    accel_socket* s = fd_table::get(fd);
    // A socket on both stacks (its fd is an epoll set of its own, or its
    // kernel half feeds the ring) is a kernel fd here.
    if (s && s->kernel_fd >= 0) s = nullptr;
    auto find = [&]() -> watch* {
        for (auto& w : set->watches)
            if (w.fd == fd && w.s == s) return &w;
        return nullptr;
    };
    switch (op) {
        case EPOLL_CTL_ADD:
            if (!s) {
                ++set->kernel_members;
            } else {
                if (ev->events & k_special) ++set->special;
                set->watches.push_back(watch{fd, s, ev->events, ev->data});
            }
            break;
        case EPOLL_CTL_MOD:
            if (watch* w = s ? find() : nullptr) {
                if (w->events & k_special) --set->special;
                if (ev->events & k_special) ++set->special;
                w->events = ev->events;
                w->data = ev->data;
            }
            break;
        case EPOLL_CTL_DEL:
            if (watch* w = s ? find() : nullptr) {
                if (w->events & k_special) --set->special;
                *w = set->watches.back();
                set->watches.pop_back();
            }
            // A kernel fd leaving: the count stays an upper bound (it only
            // costs looks at the kernel).
            break;
        default: set->kernel_only = true; break;
    }
    set->unlock();
}

void fd_closed(int fd) noexcept {
    if (g_live.load(std::memory_order_relaxed) != 0) forget(fd);
}

void fds_closed(unsigned first, unsigned last) noexcept {
    if (g_live.load(std::memory_order_relaxed) == 0) return;
    std::vector<int> gone;
    each_set([&](epoll_set& set) {
        set.take();
        if (set.in_use && set.fd >= 0 && static_cast<unsigned>(set.fd) >= first && static_cast<unsigned>(set.fd) <= last)
            gone.push_back(set.fd);
        set.unlock();
    });
    for (int fd : gone) forget(fd);
}

void fd_duplicated(int fd) noexcept {
    if (g_live.load(std::memory_order_relaxed) == 0) return;
    epoll_set* set = get(fd);
    if (!set) return;
    set->take();
    set->kernel_only = true;
    set->unlock();
}

void process_forked() noexcept {
    if (g_live.load(std::memory_order_relaxed) == 0) return;
    each_set([](epoll_set& set) {
        set.take();
        set.kernel_only = true;
        set.unlock();
    });
}

// Every registration of `s` in every set goes (its last fd closed: the
// kernel drops the registrations with the file).
void socket_gone(const void* s) noexcept {
    if (g_live.load(std::memory_order_relaxed) == 0) return;
    each_set([s](epoll_set& set) {
        if (!set.try_lock()) {
            // A handler closed it over a wait in progress: rare; stop trusting the set.
            set.kernel_only = true;
            return;
        }
        for (std::size_t i = 0; i < set.watches.size();) {
            if (set.watches[i].s == s) {
                if (set.watches[i].events & k_special) --set.special;
                set.watches[i] = set.watches.back();
                set.watches.pop_back();
            } else {
                ++i;
            }
        }
        set.unlock();
    });
}

namespace {

// One look at the set's sockets (the set locked): the number of events
// written, or -1 when a socket is not in a state shared memory says all of.
int scan(epoll_set& set, epoll_event* events, int max) {
    const std::size_t n = set.watches.size();
    const std::size_t start = set.next < n ? set.next : 0;
    int got = 0;
    for (std::size_t k = 0; k < n && got < max; ++k) {
        const std::size_t i = (start + k) % n;
        const watch& w = set.watches[i];
        std::uint32_t ev = 0;
        if (!readiness(*w.s, ev)) return -1;
        ev &= w.events;
        if (!ev) continue;
        events[got].events = ev;
        events[got].data = w.data;
        ++got;
        set.next = i + 1;  // the next call starts after the last one reported
    }
    return got;
}

unsigned spin_us() {
    static const unsigned us = [] {
        const char* v = secure_getenv("SHUNT_SPIN_US");
        return v ? static_cast<unsigned>(std::strtoul(v, nullptr, 10)) : 0u;
    }();
    return us;
}

}  // namespace

namespace detail {

bool any_sets() noexcept { return g_live.load(std::memory_order_relaxed) != 0; }

int fast(int epfd, epoll_event* events, int max, bool may_spin) noexcept {
    epoll_set* set = get(epfd);
    if (!set || max <= 0 || !set->try_lock()) return -1;
    if (set->kernel_only || set->special || set->watches.empty()) {
        set->unlock();
        return -1;
    }
    {
        // Every period the kernel looks too, kernel fds or not: what shared
        // memory cannot show (shuntd gone, its end closed) shows there.
        const std::uint64_t now = now_ns();
        if ((set->kernel_members && ++set->calls % k_kernel_every == 0) || now - set->kernel_look_ns >= k_kernel_after_ns) {
            set->kernel_look_ns = now;
            set->unlock();
            // The kernel's turn: exact after the flush; its answer, if any, is
            // the whole answer (no socket twice in one return).
            deferred_clear::flush();
            const int r = real::epoll_wait(epfd, events, max, 0);
            if (r != 0) return r;
            if (!set->try_lock()) return -1;
            if (set->kernel_only || set->special) {
                set->unlock();
                return -1;
            }
        }
    }
    int got = scan(*set, events, max);
    set->unlock();
    // SHUNT_SPIN_US: look again for that long before sleeping in the kernel.
    if (got == 0 && may_spin && spin_us()) {
        const std::uint64_t until = now_ns() + spin_us() * 1000ull;
        do {
            __builtin_ia32_pause();
            if (!set->try_lock()) continue;
            got = set->kernel_only || set->special ? -1 : scan(*set, events, max);
            set->unlock();
        } while (got == 0 && now_ns() < until);
    }
    if (got <= 0) return -1;  // nothing ready, or not for us to say: the kernel answers
    pthread_testcancel();     // a cancellation point, as the call it stands for
    return got;
}

void kernel_waited(int epfd) noexcept {
    epoll_set* set = get(epfd);
    if (!set || !set->try_lock()) return;
    // The kernel just answered for every fd of the set: the next look at its
    // own fds is due a period from now.
    set->kernel_look_ns = now_ns();
    set->calls = 0;
    set->unlock();
}

}  // namespace detail
}  // namespace shunt::preload::epoll_fast
