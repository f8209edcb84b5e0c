// Process creation with accelerated sockets: fork and vfork share them with
// the child; the exec family and posix_spawn hand them over to the new image
// (preload/exec_handover.hpp). glibc's execl*/execv*/execvp call its
// internal execve, which no wrapper sees, so each public variant is wrapped
// here and built on the handover-aware execve/execvpe.
#include <spawn.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <vector>

#include "preload/channel.hpp"
#include "preload/deferred_clear.hpp"
#include "preload/epoll_fast.hpp"
#include "preload/exec_handover.hpp"
#include "preload/fd_table.hpp"
#include "preload/fork_holders.hpp"
#include "preload/real.hpp"
#include "preload/sud.hpp"
#include "preload/syscall_hook.hpp"
#include "shm/sys.hpp"

#define SHUNT_EXPORT extern "C" __attribute__((visibility("default")))

extern char** environ;

using namespace shunt::preload;

// A forked child shares every accelerated socket: it becomes a holder of
// each in shuntd (preload/fork_holders.hpp), so a socket closes only when
// the last process holding it closes it or dies. app_refs counts the
// processes too, for libshunt's own use (a hint: deferred_clear).
// `do_fork` returns the pid (0 in the child) or -1 with errno.
namespace {
template <typename Fork>
pid_t counted_fork(Fork&& do_fork) {
    fork_holders::forking lock;
    fork_holders::child_part child = fork_holders::prepare();
    std::vector<accel_socket*> counted;
    fd_table::for_each([&](int, accel_socket* s) {
        for (accel_socket* c : counted)
            if (c == s) return;
        counted.push_back(s);
        s->sh->app_refs.fetch_add(1, std::memory_order_relaxed);
    });
    // The child waits without this process's flush: nothing stale goes with
    // it. Its epoll_ctl calls change sets this process follows: they take
    // the kernel path (both sides).
    deferred_clear::flush();
    epoll_fast::process_forked();
    const pid_t pid = do_fork();
    if (pid == 0) {
        lock.child();
        fork_holders::child_after(child);
        channel::after_fork_child();  // the child's new sockets attach it on its own
        sud::after_fork_child();      // Linux does not carry syscall user dispatch into the child
        return pid;
    }
    const int saved = errno;
    fork_holders::parent_after(child);  // a failed fork's holders go with the child's ends
    if (pid < 0)
        for (accel_socket* s : counted) s->sh->app_refs.fetch_sub(1, std::memory_order_relaxed);
    errno = saved;
    return pid;
}
}  // namespace

SHUNT_EXPORT pid_t fork() { return counted_fork([] { return real::fork(); }); }

// A raw fork (or a clone with fork's meaning) trapped by syscall user
// dispatch (preload/sud.cpp): the same counting around the caller's own
// arguments. Returns the pid or -errno.
long shunt::preload::fork_counted_raw(long nr, const long* a) {
    const pid_t pid = counted_fork([nr, a] {
        const long r = shm::sys::raw(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
        if (r < 0) {
            errno = static_cast<int>(-r);
            return pid_t{-1};
        }
        return static_cast<pid_t>(r);
    });
    return pid < 0 ? -errno : pid;
}

// vfork is fork: a vfork child runs in its parent's memory until it execs,
// and the exec wrapper's bookkeeping (the handover, the counts) must not
// land in the parent's copy (VMA and Onload do the same).
SHUNT_EXPORT pid_t vfork() { return fork(); }

namespace {

// Runs one exec with the handover in its environment; restores the fds'
// close-on-exec if it returns (it failed).
template <typename Exec>
int exec_with_handover(char* const* envp, Exec&& exec) {
    deferred_clear::flush();  // the new image starts with no set of its own
    std::string entry = handover::prepare(false);
    std::vector<char*> env = handover::environment(envp, entry);
    const int r = exec(env.data());
    const int saved = errno;
    handover::finish(false, true);
    errno = saved;
    return r;
}

template <typename Spawn>
int spawn_with_handover(char* const* envp, Spawn&& spawn) {
    fork_holders::forking lock;  // the child's holders hold what its fds name
    deferred_clear::flush();  // the child shares the sockets: app_refs grows
    epoll_fast::process_forked();
    std::string entry = handover::prepare(true);
    std::vector<char*> env = handover::environment(envp ? envp : environ, entry);
    const int bypass = shunt_spawning;
    shunt_spawning = bypass | k_bypass_spawning;  // the child shares this memory and TLS until it execs
    const int r = spawn(env.data());  // 0 or an error number (errno untouched)
    shunt_spawning = bypass;
    handover::finish(true, r != 0);
    return r;
}

// The variadic arguments of execl/execle/execlp up to the null pointer.
std::vector<char*> collect_args(const char* arg0, va_list ap) {
    std::vector<char*> argv{const_cast<char*>(arg0)};
    while (char* a = va_arg(ap, char*)) argv.push_back(a);
    argv.push_back(nullptr);
    return argv;
}

}  // namespace

SHUNT_EXPORT int execve(const char* path, char* const argv[], char* const envp[]) {
    return exec_with_handover(envp, [&](char* const* env) { return real::execve(path, argv, env); });
}

SHUNT_EXPORT int execv(const char* path, char* const argv[]) { return execve(path, argv, environ); }

SHUNT_EXPORT int execvpe(const char* file, char* const argv[], char* const envp[]) {
    return exec_with_handover(envp, [&](char* const* env) { return real::execvpe(file, argv, env); });
}

SHUNT_EXPORT int execvp(const char* file, char* const argv[]) { return execvpe(file, argv, environ); }

SHUNT_EXPORT int fexecve(int fd, char* const argv[], char* const envp[]) {
    return exec_with_handover(envp, [&](char* const* env) { return real::fexecve(fd, argv, env); });
}

SHUNT_EXPORT int execl(const char* path, const char* arg, ...) {
    va_list ap;
    va_start(ap, arg);
    std::vector<char*> argv = collect_args(arg, ap);
    va_end(ap);
    return execve(path, argv.data(), environ);
}

SHUNT_EXPORT int execlp(const char* file, const char* arg, ...) {
    va_list ap;
    va_start(ap, arg);
    std::vector<char*> argv = collect_args(arg, ap);
    va_end(ap);
    return execvpe(file, argv.data(), environ);
}

SHUNT_EXPORT int execle(const char* path, const char* arg, ...) {
    va_list ap;
    va_start(ap, arg);
    std::vector<char*> argv = collect_args(arg, ap);
    char* const* envp = va_arg(ap, char* const*);  // after the null that ends the arguments
    va_end(ap);
    return execve(path, argv.data(), envp);
}

SHUNT_EXPORT int posix_spawn(pid_t* pid, const char* path, const posix_spawn_file_actions_t* actions,
                             const posix_spawnattr_t* attr, char* const argv[], char* const envp[]) {
    return spawn_with_handover(envp, [&](char* const* env) { return real::posix_spawn(pid, path, actions, attr, argv, env); });
}

SHUNT_EXPORT int posix_spawnp(pid_t* pid, const char* file, const posix_spawn_file_actions_t* actions,
                              const posix_spawnattr_t* attr, char* const argv[], char* const envp[]) {
    return spawn_with_handover(envp, [&](char* const* env) { return real::posix_spawnp(pid, file, actions, attr, argv, env); });
}
