// libshunt.so load-time entry. The library is preloaded into unmodified
// programs (`shunt run -- CMD`). Its initialisation is noexcept and cannot
// fail the program: it finds libc's functions, sets up the fd table, decides
// whether the process uses io_uring (preload/io_uring_guard) and adopts
// accelerated sockets inherited across exec (preload/exec_handover).
// Otherwise nothing attaches to shuntd here; the first AF_INET socket that
// binds or connects does (preload/channel.cpp), and without a daemon every
// call goes to libc as if shunt were not there.
#include "preload/channel.hpp"
#include "preload/exec_handover.hpp"
#include "preload/fd_table.hpp"
#include "preload/io_uring_guard.hpp"
#include "preload/sandbox.hpp"
#include "preload/real.hpp"
#include "preload/socket_ops.hpp"
#include "preload/sud.hpp"
#include "preload/syscall_hook.hpp"

extern "C" __attribute__((visibility("default"))) const char* shunt_version() noexcept {
    return PACKAGE_VERSION;
}

namespace {

__attribute__((constructor)) void shunt_init() noexcept {
    shunt::preload::real::resolve();
    shunt::preload::fd_table::init();
    shunt::preload::sandbox::init();  // a seccomp filter inherited across exec
    shunt::preload::io_uring_guard::init();  // liburing loaded: sockets on the kernel (SHUNT_IO_URING)
    shunt::preload::handover::adopt();  // sockets an exec'ing image handed over
    shunt::preload::syscall_hook::install();  // libc's own syscalls (SHUNT_SYSCALL_HOOK=0: off)
    shunt::preload::sud::install();           // raw syscalls elsewhere (SHUNT_SUD=1: on)
}

// An orderly exit closes every socket as the kernel does when a process
// exits: each accelerated socket this process holds is released (the last
// holder's close sends the queued bytes, then the FIN; SO_LINGER 0 resets).
// A process that dies without running this (kill -9, a crash, _exit) is
// noticed by shuntd through its control connection, and its connections
// are reset.
__attribute__((destructor)) void shunt_fini() noexcept {
    using namespace shunt::preload;
    channel* inherited[channel::k_max_inherited];
    if (!channel::existing() && channel::inherited(inherited) == 0) return;
    fd_table::for_each([](int fd, accel_socket*) {
        if (accel_socket* s = fd_table::take(fd)) op_release(s);
    });
}

}  // namespace
