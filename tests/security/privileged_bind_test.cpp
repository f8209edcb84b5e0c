// Issue 20 item 5: a privileged bind is checked when it happens, against
// the calling process's CAP_NET_BIND_SERVICE (daemon/peer_privilege.hpp),
// not against the uid the app had when it attached: uid 0 without the
// capability may not bind below ip_unprivileged_port_start, and a process
// that drops the capability after attaching loses it in shuntd too. The
// fake app names the calling process in its credentials as libshunt does
// (this test runs as root, which may name any); here it names a child that
// drops the capability when told.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/engine/fake_app.hpp"

namespace shunt::test {
namespace {

bool has_bind_cap(pid_t pid) {
    __user_cap_header_struct h{_LINUX_CAPABILITY_VERSION_3, pid};
    __user_cap_data_struct d[2] = {};
    if (syscall(SYS_capget, &h, d) != 0) return false;
    return d[CAP_NET_BIND_SERVICE / 32].effective & (1u << (CAP_NET_BIND_SERVICE % 32));
}

// A process of this test's uid (root) that drops CAP_NET_BIND_SERVICE when told.
struct other_process {
    pid_t pid = -1;
    int tell = -1;
    other_process() {
        int p[2];
        if (pipe(p) != 0) return;
        pid = fork();
        if (pid == 0) {
            ::close(p[1]);
            char c;
            while (read(p[0], &c, 1) == 1) {
                __user_cap_header_struct h{_LINUX_CAPABILITY_VERSION_3, 0};
                __user_cap_data_struct d[2] = {};
                syscall(SYS_capget, &h, d);
                d[CAP_NET_BIND_SERVICE / 32].effective &= ~(1u << (CAP_NET_BIND_SERVICE % 32));
                syscall(SYS_capset, &h, d);
            }
            _exit(0);
        }
        ::close(p[0]);
        tell = p[1];
    }
    void drop_capability() {
        (void)!write(tell, "x", 1);
        for (int i = 0; i < 2000 && has_bind_cap(pid); ++i) usleep(1000);
    }
    ~other_process() {
        ::close(tell);
        if (pid > 0) waitpid(pid, nullptr, 0);
    }
};

TEST(PrivilegedBind, UidZeroWithoutTheCapabilityIsRefused) {
    other_process p;
    ASSERT_GT(p.pid, 0);
    if (!has_bind_cap(p.pid)) GTEST_SKIP() << "this test runs without CAP_NET_BIND_SERVICE";
    p.drop_capability();
    ASSERT_FALSE(has_bind_cap(p.pid));
    fake_app::options o;
    o.uid = 0;  // attached as root
    o.cred_pid = p.pid;
    fake_app app(o);
    auto s = app.open(SOCK_STREAM);
    EXPECT_EQ(app.bind(s.id, "127.0.0.1", 81), -EACCES);
    EXPECT_EQ(app.bind(s.id, "127.0.0.1", 5081), 0) << "an unprivileged port needs nothing";
    auto u = app.open(SOCK_DGRAM);
    EXPECT_EQ(app.bind(u.id, "127.0.0.1", 81), -EACCES);
    EXPECT_TRUE(app.alive());
}

TEST(PrivilegedBind, TheCapabilityIsAskedWhenTheBindHappens) {
    other_process p;
    ASSERT_GT(p.pid, 0);
    if (!has_bind_cap(p.pid)) GTEST_SKIP() << "this test runs without CAP_NET_BIND_SERVICE";
    fake_app::options o;
    o.cred_pid = p.pid;
    fake_app app(o);
    auto a = app.open(SOCK_STREAM);
    EXPECT_EQ(app.bind(a.id, "127.0.0.1", 82), 0) << "with the capability";
    p.drop_capability();
    auto b = app.open(SOCK_STREAM);
    EXPECT_EQ(app.bind(b.id, "127.0.0.1", 83), -EACCES) << "the same app, after it dropped the capability";
}

TEST(PrivilegedBind, ABindWithoutCredentialsIsUnprivileged) {
    fake_app app;  // root, with every capability
    auto s = app.open(SOCK_STREAM);
    shm::command c{};
    c.opcode = static_cast<std::uint32_t>(shm::op::bind);
    c.sock = s.id;
    c.addr = htonl(INADDR_LOOPBACK);
    c.port = htons(84);
    EXPECT_EQ(app.call(c).result, -EACCES) << "no credentials message: nobody's privilege";
    c.port = htons(5084);
    EXPECT_EQ(app.call(c).result, 0);
    EXPECT_TRUE(app.alive());
}

}  // namespace
}  // namespace shunt::test
