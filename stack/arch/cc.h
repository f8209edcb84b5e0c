/*
 * shunt's lwIP arch port for Linux/x86-64 (glibc). Types come from the C
 * library; assertions and diagnostics go to shunt_lwip_platform_* (see
 * stack/lwip_platform.cpp), which log through the daemon's logger.
 */
#ifndef SHUNT_STACK_ARCH_CC_H
#define SHUNT_STACK_ARCH_CC_H

#include <stdint.h>
#include <stddef.h>
#include <inttypes.h>
#include <errno.h>
#include <sys/time.h>

#define LWIP_NO_STDINT_H   0
#define LWIP_NO_INTTYPES_H 0
#define LWIP_NO_LIMITS_H   0
#define LWIP_NO_CTYPE_H    0

/* x86-64 is little endian; lwIP's byte-order helpers use the builtins. */
#ifndef BYTE_ORDER
#define BYTE_ORDER LITTLE_ENDIAN
#endif
#define lwip_htons(x) __builtin_bswap16(x)
#define lwip_htonl(x) __builtin_bswap32(x)

#define LWIP_TIMEVAL_PRIVATE 0

#ifdef __cplusplus
extern "C" {
#endif
void shunt_lwip_platform_diag(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
void shunt_lwip_platform_assert(const char *msg, const char *file, int line)
    __attribute__((noreturn));
#ifdef __cplusplus
}
#endif

#define LWIP_PLATFORM_DIAG(x)   do { shunt_lwip_platform_diag x; } while (0)
#define LWIP_PLATFORM_ASSERT(x) shunt_lwip_platform_assert((x), __FILE__, __LINE__)

#endif /* SHUNT_STACK_ARCH_CC_H */
