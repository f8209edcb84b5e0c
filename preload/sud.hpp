// Syscall User Dispatch (SHUNT_SUD=1, Linux 5.11+): `syscall` instructions
// outside the shared libraries — the program's own code, a library mapped
// apart — trap to SIGSYS, and the handler runs each as a patched libc site
// would: through shunt when it concerns an accelerated fd, to the kernel
// otherwise. The setting is per thread and Linux clears it on clone, fork
// and exec, so it is armed in the first thread here, in every thread made
// with pthread_create (wrapped) and in a forked child; an exec'ed image arms
// itself again from the same environment. A trap costs a signal delivery
// and return (microseconds): for programs that make raw syscalls on sockets,
// not a fast path.
//
// What runs without a trap: everything between the lowest and the highest
// of libc's text, shunt's own text, the syscall hook's trampolines, the
// dynamic loader and the vDSO (one contiguous range: the kernel takes one).
// Other shared libraries usually lie inside it; the program's executable
// lies outside, which is the point.
#pragma once

namespace shunt::preload::sud {

// From libshunt's constructor, after the syscall hook: arms the first
// thread when SHUNT_SUD=1. Never fails the program: without kernel support
// it logs once and stays off.
void install() noexcept;
bool on() noexcept;
// In a forked child (Linux does not carry the setting over).
void after_fork_child() noexcept;

}  // namespace shunt::preload::sud

namespace shunt::preload {
// preload/process_wrappers.cpp: a trapped raw fork (or clone with fork's
// meaning) run with fork()'s accounting of shared sockets; pid or -errno.
long fork_counted_raw(long nr, const long* a);
}  // namespace shunt::preload
