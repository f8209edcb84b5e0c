// The C functions lwIP's NO_SYS build needs from its platform: a millisecond
// clock (sys_now), the heap hooks named in lwipopts.h, random numbers for
// ports and ISNs, and diagnostic/assert sinks (arch/cc.h).
#include <sys/random.h>

#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "base/log.hpp"
#include "stack/lwip_heap.hpp"
#include "stack/tcp_rx_admit.hpp"

namespace shunt::stack {
namespace {

void* libc_alloc(std::size_t size) { return std::malloc(size); }  // 16-byte aligned on glibc
void libc_release(void* p) { std::free(p); }

heap_ops g_heap{"libc", libc_alloc, libc_release};

}  // namespace

void install_heap(const heap_ops& ops) { g_heap = ops; }
const heap_ops& current_heap() { return g_heap; }

}  // namespace shunt::stack

extern "C" {

shunt_tcp_rx_admit_fn shunt_tcp_rx_admit = nullptr;
shunt_tcp_accept_full_fn shunt_tcp_accept_full = nullptr;

// lwIP's clock for its timers (sys_check_timeouts); monotonic, so wall-clock
// steps never fire or stall TCP timers.
uint32_t sys_now(void) {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint32_t>(ts.tv_sec * 1000u + ts.tv_nsec / 1000000);
}

void* shunt_lwip_malloc(unsigned long size) { return shunt::stack::current_heap().alloc(size); }

void* shunt_lwip_calloc(unsigned long count, unsigned long size) {
    unsigned long total = 0;
    if (__builtin_mul_overflow(count, size, &total)) return nullptr;
    void* p = shunt::stack::current_heap().alloc(total);
    if (p) std::memset(p, 0, total);
    return p;
}

void shunt_lwip_free(void* ptr) { shunt::stack::current_heap().release(ptr); }

// Used for ephemeral ports and TCP initial sequence numbers (RFC 6528 asks
// for unpredictable ISNs); getrandom never blocks once the pool is seeded.
unsigned int shunt_lwip_rand(void) {
    unsigned int v = 0;
    if (getrandom(&v, sizeof v, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof v)) {
        timespec ts{};
        clock_gettime(CLOCK_MONOTONIC, &ts);
        v = static_cast<unsigned int>(ts.tv_nsec * 2654435761u) ^ static_cast<unsigned int>(ts.tv_sec);
    }
    return v;
}

void shunt_lwip_platform_diag(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    shunt::log::vwrite(shunt::log::level::debug, fmt, ap);
    va_end(ap);
}

// An lwIP assertion is a broken internal invariant: log where, then abort so
// the daemon's supervisor (and a core dump) sees it rather than corrupt state.
void shunt_lwip_platform_assert(const char* msg, const char* file, int line) {
    SHUNT_LOG_ERROR("lwIP assertion failed: %s (%s:%d)", msg, file, line);
    std::abort();
}

}  // extern "C"
