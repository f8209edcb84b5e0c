#include "preload/fd_table.hpp"

#include <sys/mman.h>
#include <sys/resource.h>

#include <mutex>

namespace shunt::preload {
namespace {

constexpr int k_max_fds = 1 << 20;
std::atomic<int> g_high{0};  // one past the highest fd ever set
std::once_flag g_once;

// Recycled sockets: a lock-free stack (a signal handler may close a socket
// while its thread is in here). Pushes are CAS loops; a pop takes the whole
// stack with one exchange (so no ABA) and pushes back all but one.
std::atomic<accel_socket*> g_free{nullptr};

void push_free(accel_socket* s) {
    accel_socket* head = g_free.load(std::memory_order_relaxed);
    do {
        s->next_free = head;
        // release: the object's last use comes before it is seen as free.
    } while (!g_free.compare_exchange_weak(head, s, std::memory_order_release, std::memory_order_relaxed));
}

}  // namespace

accel_socket* accel_socket_new() {
    // acquire: pairs with push_free's release.
    if (accel_socket* list = g_free.exchange(nullptr, std::memory_order_acquire)) {
        accel_socket* s = list;
        for (accel_socket* rest = list->next_free; rest;) {
            accel_socket* next = rest->next_free;
            push_free(rest);
            rest = next;
        }
        s->~accel_socket();
        return new (s) accel_socket();
    }
    return new (std::nothrow) accel_socket();
}

void accel_socket_free(accel_socket* s) { push_free(s); }

namespace fd_table {

namespace detail {
std::atomic<accel_socket*>* table = nullptr;
int size = 0;
}  // namespace detail

void init() noexcept {
    std::call_once(g_once, [] {
        rlimit rl{};
        int n = 65536;
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY)
            n = rl.rlim_max > static_cast<rlim_t>(k_max_fds) ? k_max_fds : static_cast<int>(rl.rlim_max);
        if (n < 1024) n = 1024;
        void* p = mmap(nullptr, sizeof(std::atomic<accel_socket*>) * static_cast<std::size_t>(n),
                       PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) return;
        fd_table::detail::table = static_cast<std::atomic<accel_socket*>*>(p);
        fd_table::detail::size = n;
    });
}

int capacity() noexcept { return g_high.load(std::memory_order_relaxed); }

void set(int fd, accel_socket* s) noexcept {
    if (fd < 0 || fd >= fd_table::detail::size) return;
    fd_table::detail::table[fd].store(s, std::memory_order_release);
    int h = g_high.load(std::memory_order_relaxed);
    while (h <= fd && !g_high.compare_exchange_weak(h, fd + 1, std::memory_order_relaxed)) {
    }
}

accel_socket* take(int fd) noexcept {
    if (fd < 0 || fd >= fd_table::detail::size) return nullptr;
    return fd_table::detail::table[fd].exchange(nullptr, std::memory_order_acq_rel);
}

}  // namespace fd_table
}  // namespace shunt::preload
