// Processes under a seccomp filter (issue 15 item 5). A privilege-separated
// server's pre-auth child, or any program run by a sandbox, may be allowed
// little beyond read, write, the poll family and futex, and is killed
// (SIGSYS) by any other system call. The calls libshunt makes on behalf of
// an app's read, write or wait keep to those: the few that would not
// (draining and filling the notify socket with recv and send, which take
// MSG_DONTWAIT) are made with poll, read and write instead once the
// process may be filtered:
//   - from the start, when it inherited a filter across exec
//     (/proc/self/status "Seccomp:" not 0);
//   - from the moment it installs one: prctl(PR_SET_SECCOMP) or seccomp(2),
//     seen by the syscall hook (libc's prctl and syscall(2)) or by
//     SHUNT_SUD=1, just before the kernel installs it.
// The state is the process's memory: a forked child keeps it (and the
// filter), an exec decides again.
#pragma once

namespace shunt::preload::sandbox {

// From libshunt's constructor.
void init() noexcept;
// Whether the process may be under a filter. Relaxed: set before the
// filter exists, by the thread that installs it (the kernel applies a
// filter to other threads only with SECCOMP_FILTER_FLAG_TSYNC, after the
// call, whose system call orders the store before any of their calls).
[[nodiscard]] bool active() noexcept;
// prctl(option, arg2, ...) or seccomp(op, ...) as the hook hands them over:
// marks the process if the call installs a filter, then makes it.
[[nodiscard]] long prctl_call(long option, long arg2, long arg3, long arg4, long arg5) noexcept;
[[nodiscard]] long seccomp_call(long op, long flags, long args) noexcept;
// sched_yield(), or, once active(), a sleep of about 20 us on a futex (a
// filter that allows the app's waits allows that; it may not allow
// sched_yield). For libshunt's rare slow paths that give the CPU away.
void yield_cpu() noexcept;

}  // namespace shunt::preload::sandbox
