// Where patched libc syscall sites land (after preload/syscall_entry.S):
// the fast path decides, with general registers only, whether a call
// concerns an accelerated fd or one of shunt's own fds; the slow path runs
// it through libshunt's symbol wrappers, which already implement every
// operation with the kernel's semantics, and turns their errno into the
// syscall's -errno; io_uring_setup goes to preload/io_uring_guard, which
// decides whether the process may have a ring. Everything else goes to the
// kernel from the entry.
#include <fcntl.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "preload/fd_table.hpp"
#include "preload/io_uring_guard.hpp"
#include "preload/sandbox.hpp"
#include "preload/syscall_hook.hpp"
#include "shm/sys.hpp"

namespace {

struct syscall_frame {
    long nr;
    long a[6];
    long ret;
};

__attribute__((target("general-regs-only"))) inline bool accelerated(long fd) {
    using namespace shunt::preload;
    return fd >= 0 && fd < fd_table::detail::size &&
           fd_table::detail::table[fd].load(std::memory_order_relaxed) != nullptr;
}

// One of shunt's own fds (the control socket, the segment): only close and
// a dup2/dup3 onto one concern shunt (the fd moves away and the app gets the
// number). Any other call on one is an app's stray call and the kernel's to
// answer: the wrappers would pass it to libc, which would bring it back here.
__attribute__((target("general-regs-only"))) inline bool own(long fd) {
    if (fd < 0) return false;
    for (int i = 0; i < k_own_fd_slots; ++i)
        if (fd == shunt_own_fds[i]) return true;
    return false;
}

}  // namespace

extern "C" {
__attribute__((visibility("hidden"))) int shunt_syscall_fast(const syscall_frame* f);
__attribute__((visibility("hidden"))) void shunt_syscall_slow(syscall_frame* f);
}

namespace {

// What the entry decides, in C: whether a call is shunt's.
bool hook_wants(const syscall_frame& f) {
    const long nr = f.nr;
    if (!shunt::preload::syscall_hook::in_bitmap(nr)) return false;
    switch (nr) {
        case SYS_dup2: case SYS_dup3: case SYS_splice: case SYS_close_range: case SYS_io_uring_setup:
        case SYS_prctl: case SYS_seccomp:
            return shunt_syscall_fast(&f) != 0;
        default: break;
    }
    if (shunt_spawning) return false;
    return accelerated(f.a[0]) || (nr == SYS_close && own(f.a[0]));  // as the entry decides
}

}  // namespace

extern "C" {

// XSAVE area size for the enabled state components (set by the installer).
__attribute__((visibility("hidden"))) unsigned long shunt_xsave_size = 4096;
__attribute__((visibility("hidden"))) int shunt_own_fds[k_own_fd_slots] = {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1};
static_assert(k_own_fd_slots == 10, "preload/syscall_entry.S compares 10 slots of shunt_own_fds");
__attribute__((visibility("hidden"))) thread_local int shunt_spawning __attribute__((tls_model("initial-exec"))) = 0;

// For the calls the entry cannot decide in its few instructions (two fds,
// a range, or no fd): 0 the kernel's; 1 ours (the slow path).
__attribute__((visibility("hidden"), target("general-regs-only"))) int shunt_syscall_fast(const syscall_frame* f) {
    if (shunt_spawning) return 0;  // a posix_spawn child before its exec, or shunt's own call
    switch (f->nr) {
        case SYS_dup2: case SYS_dup3:
            return accelerated(f->a[0]) || accelerated(f->a[1]) || (f->a[0] != f->a[1] && own(f->a[1])) ? 1 : 0;
        case SYS_splice: return accelerated(f->a[0]) || accelerated(f->a[2]) ? 1 : 0;
        case SYS_close_range: return 1;  // the range may cover accelerated fds or shunt's own
        case SYS_io_uring_setup: return 1;  // allowed, marked or refused: preload/io_uring_guard
        case SYS_prctl: return f->a[0] == PR_SET_SECCOMP ? 1 : 0;  // a filter coming: preload/sandbox
        case SYS_seccomp: return f->a[0] == SECCOMP_SET_MODE_STRICT || f->a[0] == SECCOMP_SET_MODE_FILTER ? 1 : 0;
        default: return accelerated(f->a[0]) ? 1 : 0;
    }
}

__attribute__((visibility("hidden"))) void shunt_syscall_slow(syscall_frame* f) {
    const int saved = errno;
    // The wrappers' own kernel calls (real::X through libc's patched sites)
    // go straight to the kernel while they run: nothing is checked twice
    // and nothing comes back here (restored on the way out).
    const int bypass = shunt_spawning;
    shunt_spawning = bypass | k_bypass_in_slow_path;
    long r = -1;
    const long* a = f->a;
    auto i = [a](int k) { return static_cast<int>(a[k]); };
    auto p = [a](int k) { return reinterpret_cast<void*>(a[k]); };
    switch (f->nr) {
        case SYS_read: r = ::read(i(0), p(1), static_cast<size_t>(a[2])); break;
        case SYS_write: r = ::write(i(0), p(1), static_cast<size_t>(a[2])); break;
        case SYS_readv: r = ::readv(i(0), static_cast<const iovec*>(p(1)), i(2)); break;
        case SYS_writev: r = ::writev(i(0), static_cast<const iovec*>(p(1)), i(2)); break;
        case SYS_sendto:
            r = ::sendto(i(0), p(1), static_cast<size_t>(a[2]), i(3), static_cast<const sockaddr*>(p(4)),
                         static_cast<socklen_t>(a[5]));
            break;
        case SYS_recvfrom:
            r = ::recvfrom(i(0), p(1), static_cast<size_t>(a[2]), i(3), static_cast<sockaddr*>(p(4)),
                           static_cast<socklen_t*>(p(5)));
            break;
        case SYS_sendmsg: r = ::sendmsg(i(0), static_cast<const msghdr*>(p(1)), i(2)); break;
        case SYS_recvmsg: r = ::recvmsg(i(0), static_cast<msghdr*>(p(1)), i(2)); break;
        case SYS_sendmmsg: r = ::sendmmsg(i(0), static_cast<mmsghdr*>(p(1)), static_cast<unsigned>(a[2]), i(3)); break;
        case SYS_recvmmsg:
            r = ::recvmmsg(i(0), static_cast<mmsghdr*>(p(1)), static_cast<unsigned>(a[2]), i(3),
                           static_cast<timespec*>(p(4)));
            break;
        case SYS_shutdown: r = ::shutdown(i(0), i(1)); break;
        case SYS_bind: r = ::bind(i(0), static_cast<const sockaddr*>(p(1)), static_cast<socklen_t>(a[2])); break;
        case SYS_listen: r = ::listen(i(0), i(1)); break;
        case SYS_connect: r = ::connect(i(0), static_cast<const sockaddr*>(p(1)), static_cast<socklen_t>(a[2])); break;
        case SYS_accept: r = ::accept(i(0), static_cast<sockaddr*>(p(1)), static_cast<socklen_t*>(p(2))); break;
        case SYS_accept4:
            r = ::accept4(i(0), static_cast<sockaddr*>(p(1)), static_cast<socklen_t*>(p(2)), i(3));
            break;
        case SYS_getsockname: r = ::getsockname(i(0), static_cast<sockaddr*>(p(1)), static_cast<socklen_t*>(p(2))); break;
        case SYS_getpeername: r = ::getpeername(i(0), static_cast<sockaddr*>(p(1)), static_cast<socklen_t*>(p(2))); break;
        case SYS_setsockopt: r = ::setsockopt(i(0), i(1), i(2), p(3), static_cast<socklen_t>(a[4])); break;
        case SYS_getsockopt: r = ::getsockopt(i(0), i(1), i(2), p(3), static_cast<socklen_t*>(p(4))); break;
        case SYS_fcntl: r = ::fcntl(i(0), i(1), p(2)); break;
        case SYS_ioctl: r = ::ioctl(i(0), static_cast<unsigned long>(a[1]), p(2)); break;
        case SYS_dup: r = ::dup(i(0)); break;
        case SYS_dup2: r = ::dup2(i(0), i(1)); break;
        case SYS_dup3: r = ::dup3(i(0), i(1), i(2)); break;
        case SYS_close: r = ::close(i(0)); break;
        case SYS_close_range:
            r = ::close_range(static_cast<unsigned>(a[0]), static_cast<unsigned>(a[1]), i(2));
            break;
        case SYS_sendfile:
            r = ::sendfile(i(0), i(1), static_cast<off_t*>(p(2)), static_cast<size_t>(a[3]));
            break;
        case SYS_splice:
            r = ::splice(i(0), static_cast<loff_t*>(p(1)), i(2), static_cast<loff_t*>(p(3)),
                         static_cast<size_t>(a[4]), static_cast<unsigned>(a[5]));
            break;
        case SYS_prctl:
        case SYS_seccomp:
            r = f->nr == SYS_prctl ? shunt::preload::sandbox::prctl_call(a[0], a[1], a[2], a[3], a[4])
                                   : shunt::preload::sandbox::seccomp_call(a[0], a[1], a[2]);
            if (r < 0) {
                errno = static_cast<int>(-r);
                r = -1;
            }
            break;
        case SYS_io_uring_setup:
            r = shunt::preload::io_uring_guard::setup(a[0], a[1]);
            if (r < 0) {
                errno = static_cast<int>(-r);
                r = -1;
            }
            break;
        default: r = -1; errno = ENOSYS; break;
    }
    f->ret = r < 0 ? -errno : r;
    shunt_spawning = bypass;
    errno = saved;  // libc's code around the site sets errno from the result
}

// The SUD handler's (preload/sud.cpp) way in: a trapped syscall goes where
// the entry would send it from a patched libc site — shunt's slow path, or
// the kernel. Returns the result or -errno.
__attribute__((visibility("hidden"))) long shunt_syscall_dispatch(long nr, const long* a) {
    syscall_frame f{nr, {a[0], a[1], a[2], a[3], a[4], a[5]}, 0};
    if (hook_wants(f)) {
        shunt_syscall_slow(&f);
        return f.ret;
    }
    return shunt::shm::sys::raw(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

}  // extern "C"
