#include "preload/real.hpp"

// glibc marks some prototypes with attributes (warn_unused_result, access)
// that do not survive as template arguments; the types are what matter here.
#pragma GCC diagnostic ignored "-Wignored-attributes"

#include <dlfcn.h>

#include <cstdarg>

namespace shunt::preload::real {
namespace {

// Before resolve() has run, each pointer is a trampoline that resolves the
// table and calls on (a wrapper can run before libshunt's constructor).
template <typename T>
struct trampoline;
template <typename R, bool NE, typename... A>
struct trampoline<R (*)(A...) noexcept(NE)> {
    template <auto* Ptr>
    static R call(A... a) noexcept(NE) {
        resolve();
        return (*Ptr)(a...);
    }
};
// fcntl/fcntl64 and ioctl: the variadic argument is one int or pointer,
// passed on as a pointer-sized value (the x86-64 ABI passes both in a register).
template <bool NE>
struct trampoline<int (*)(int, int, ...) noexcept(NE)> {
    template <auto* Ptr>
    static int call(int fd, int cmd, ...) noexcept(NE) {
        va_list ap;
        va_start(ap, cmd);
        void* arg = va_arg(ap, void*);
        va_end(ap);
        resolve();
        return (*Ptr)(fd, cmd, arg);
    }
};
template <bool NE>
struct trampoline<int (*)(int, unsigned long, ...) noexcept(NE)> {
    template <auto* Ptr>
    static int call(int fd, unsigned long req, ...) noexcept(NE) {
        va_list ap;
        va_start(ap, req);
        void* arg = va_arg(ap, void*);
        va_end(ap);
        resolve();
        return (*Ptr)(fd, req, arg);
    }
};

}  // namespace

#define SHUNT_WRAP(name) decltype(&::name) name = &trampoline<decltype(&::name)>::template call<&name>;
#include "preload/wrapped.def"
#undef SHUNT_WRAP

void resolve() noexcept {
#define SHUNT_WRAP(n)                                          \
    if (void* p = dlsym(RTLD_NEXT, #n)) n = reinterpret_cast<decltype(n)>(p);
#include "preload/wrapped.def"
#undef SHUNT_WRAP
}

}  // namespace shunt::preload::real
