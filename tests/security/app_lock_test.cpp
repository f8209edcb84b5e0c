// Issue 20 item 9: a process killed while it holds a socket's app lock
// (preload/app_lock.hpp) must not hang every other process sharing the
// socket: the next one takes the lock once it sees the holder is gone. A
// holder that is alive keeps it.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "preload/app_lock.hpp"

namespace shunt::test {
namespace {

struct shared_words {
    std::atomic<std::uint32_t> lock{0};
    std::atomic<std::uint32_t> inside{0};  // holders inside the critical section
    std::atomic<std::uint32_t> overlap{0}; // times two were inside at once
    std::atomic<std::uint32_t> holding{0}; // the first child holds the lock
};

shared_words* map_words() {
    void* p = mmap(nullptr, sizeof(shared_words), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return nullptr;
    return new (p) shared_words;
}

// Waits for pid up to `seconds`; kills it if it is still there. Its exit
// status, or -1 when it had to be killed.
int reap(pid_t pid, double seconds) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    int st = 0;
    while (std::chrono::steady_clock::now() < end) {
        if (waitpid(pid, &st, WNOHANG) == pid) return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    return -1;
}

TEST(AppLock, AHolderKilledInsideIsTakenOver) {
    shared_words* w = map_words();
    ASSERT_NE(w, nullptr);
    const pid_t holder = fork();
    ASSERT_GE(holder, 0);
    if (holder == 0) {
        preload::app_lock lk(&w->lock);
        w->holding.store(1);
        for (;;) pause();  // killed here, holding the lock
    }
    while (!w->holding.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const pid_t waiter = fork();
    ASSERT_GE(waiter, 0);
    if (waiter == 0) {
        bool owned = false;
        {
            preload::app_lock lk(&w->lock);
            owned = lk.owned();
        }
        _exit(owned ? 0 : 1);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_EQ(waitpid(waiter, nullptr, WNOHANG), 0) << "the waiter took the lock from a live holder";
    kill(holder, SIGKILL);
    waitpid(holder, nullptr, 0);
    EXPECT_EQ(reap(waiter, 5), 0) << "the waiter hangs on a dead holder's lock";
    EXPECT_EQ(w->lock.load(), 0u) << "released after the take-over";
    munmap(w, sizeof *w);
}

// 20,000 turns through the lock, counting any two holders inside at once.
void contend(shared_words* w) {
    for (int i = 0; i < 20000; ++i) {
        preload::app_lock lk(&w->lock);
        if (w->inside.fetch_add(1) != 0) w->overlap.fetch_add(1);
        w->inside.fetch_sub(1);
    }
}

// A forked child runs `child` (its exit status: 0 passes) while the parent
// contends on two threads: never two inside at once, the lock free after.
template <typename Child>
void contend_with_child(Child child_body) {
    shared_words* w = map_words();
    ASSERT_NE(w, nullptr);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) _exit(child_body(w));
    std::thread t(contend, w);
    contend(w);
    t.join();
    EXPECT_EQ(reap(child, 60), 0);
    EXPECT_EQ(w->overlap.load(), 0u);
    EXPECT_EQ(w->lock.load(), 0u);
    munmap(w, sizeof *w);
}

// Processes and threads contending: never two inside at once.
TEST(AppLock, ExcludesAcrossProcessesAndThreads) {
    contend_with_child([](shared_words* w) {
        std::thread t(contend, w);
        contend(w);
        t.join();
        return 0;
    });
}

// Under a seccomp filter (preload/sandbox.hpp) the lock makes no system call
// but futex: threads that had no id yet record opaque ones, still exclude
// each other (and the parent's threads), and a waiter never takes over from
// an opaque holder.
TEST(AppLock, OpaqueOwnersInASandboxStillExclude) {
    contend_with_child([](shared_words* w) {
        preload::app_lock::avoid_system_calls();  // this process only
        std::atomic<std::uint32_t> seen{0};
        std::thread t([&] {
            {
                preload::app_lock lk(&w->lock);
                seen = w->lock.load();
            }
            contend(w);
        });
        t.join();
        std::thread u(contend, w);
        contend(w);
        u.join();
        return (seen.load() & (1u << 30)) ? 0 : 3;  // the new thread's id was opaque
    });
}

}  // namespace
}  // namespace shunt::test
