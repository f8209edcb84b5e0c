// The acceleration policy (preload/policy.hpp).
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include "preload/policy.hpp"

namespace shunt::preload {
namespace {

sockaddr_in addr(const char* ip, int port = 80) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    inet_pton(AF_INET, ip, &a.sin_addr);
    return a;
}

const shm::served_route routes[] = {{inet_addr("10.1.2.1"), 24}, {inet_addr("192.168.7.9"), 16}};

TEST(Policy, ConnectToAServedSubnetIsAccelerated) {
    const policy_env env;
    EXPECT_TRUE(accelerate_connect(addr("10.1.2.77"), routes, 2, env));
    EXPECT_TRUE(accelerate_connect(addr("192.168.200.1"), routes, 2, env));
    EXPECT_FALSE(accelerate_connect(addr("10.1.3.77"), routes, 2, env));
    EXPECT_FALSE(accelerate_connect(addr("8.8.8.8"), routes, 2, env));
}

TEST(Policy, LoopbackAnyAndBroadcastStayOnTheKernel) {
    const shm::served_route everything[] = {{0, 0}};
    const policy_env env;
    EXPECT_FALSE(accelerate_connect(addr("127.0.0.1"), everything, 1, env));
    EXPECT_FALSE(accelerate_connect(addr("0.0.0.0"), everything, 1, env));
    EXPECT_FALSE(accelerate_connect(addr("255.255.255.255"), everything, 1, env));
}

TEST(Policy, LoopbackOnlyWhenAsked) {
    policy_env lo;
    lo.loopback = true;
    EXPECT_TRUE(accelerate_connect(addr("127.0.0.1"), routes, 2, lo));
    EXPECT_TRUE(accelerate_bind(addr("127.0.0.1"), routes, 2, lo));
    EXPECT_FALSE(accelerate_bind(addr("127.0.0.2"), routes, 2, lo));
    EXPECT_FALSE(accelerate_connect(addr("127.0.0.1"), routes, 2, policy_env{}));
    EXPECT_FALSE(accelerate_bind(addr("127.0.0.1"), routes, 2, policy_env{}));
}

TEST(Policy, BindOnlyToTheDaemonsOwnAddresses) {
    const policy_env env;
    EXPECT_TRUE(accelerate_bind(addr("10.1.2.1"), routes, 2, env));
    EXPECT_FALSE(accelerate_bind(addr("10.1.2.2"), routes, 2, env));
    EXPECT_FALSE(accelerate_bind(addr("0.0.0.0"), routes, 2, env));
    policy_env any;
    any.bind_any = any_mode::shunt;
    EXPECT_TRUE(accelerate_bind(addr("0.0.0.0"), routes, 2, any));
    EXPECT_FALSE(accelerate_bind(addr("0.0.0.0"), routes, 0, any));
}

TEST(Policy, AnyAddressListenersListenOnBothByDefault) {
    policy_env env;
    EXPECT_TRUE(listen_on_both(env, 2));
    EXPECT_FALSE(listen_on_both(env, 0));  // no daemon routes: kernel only
    env.bind_any = any_mode::shunt;
    EXPECT_FALSE(listen_on_both(env, 2));  // already on shuntd from bind()
    env.bind_any = any_mode::kernel;
    EXPECT_FALSE(listen_on_both(env, 2));
    EXPECT_FALSE(accelerate_bind(addr("0.0.0.0"), routes, 2, env));
    policy_env off;
    off.enabled = false;
    EXPECT_FALSE(listen_on_both(off, 2));
}

TEST(Policy, ExtraNetworksFromTheEnvironment) {
    setenv("SHUNT_ACCELERATE_NETS", "172.20.5.0/24, bogus,10.99.0.0/16,1.2.3.4/33", 1);
    const policy_env e = read_policy_env();
    unsetenv("SHUNT_ACCELERATE_NETS");
    EXPECT_TRUE(e.nets_invalid);  // " bogus" and "/33"
    ASSERT_EQ(e.n_nets, 2u);
    EXPECT_TRUE(accelerate_connect(addr("172.20.5.9"), routes, 2, e));
    EXPECT_TRUE(accelerate_connect(addr("10.99.200.1"), routes, 2, e));
    EXPECT_FALSE(accelerate_connect(addr("172.20.6.9"), routes, 2, e));
    EXPECT_FALSE(accelerate_connect(addr("172.20.5.9"), routes, 0, e)) << "no daemon: nothing";
    EXPECT_FALSE(accelerate_bind(addr("172.20.5.9"), routes, 2, e)) << "binding needs shuntd's own address";
    EXPECT_FALSE(read_policy_env().nets_invalid);
}

TEST(Policy, DisabledAcceleratesNothing) {
    policy_env off;
    off.enabled = false;
    EXPECT_FALSE(accelerate_connect(addr("10.1.2.77"), routes, 2, off));
    EXPECT_FALSE(accelerate_bind(addr("10.1.2.1"), routes, 2, off));
}

TEST(Policy, NonInetNeverAccelerated) {
    sockaddr_in a = addr("10.1.2.77");
    a.sin_family = AF_INET6;
    EXPECT_FALSE(accelerate_connect(a, routes, 2, policy_env{}));
}

TEST(Policy, EnvironmentSwitches) {
    setenv("SHUNT_ACCELERATE", "0", 1);
    setenv("SHUNT_BIND_ANY", "1", 1);
    const auto e = read_policy_env();
    EXPECT_FALSE(e.enabled);
    EXPECT_EQ(e.bind_any, any_mode::shunt);
    setenv("SHUNT_BIND_ANY", "kernel", 1);
    EXPECT_EQ(read_policy_env().bind_any, any_mode::kernel);
    setenv("SHUNT_BIND_ANY", "0", 1);
    EXPECT_EQ(read_policy_env().bind_any, any_mode::kernel);
    setenv("SHUNT_BIND_ANY", "sometimes", 1);
    EXPECT_TRUE(read_policy_env().bind_any_invalid);
    EXPECT_EQ(read_policy_env().bind_any, any_mode::both);
    unsetenv("SHUNT_ACCELERATE");
    unsetenv("SHUNT_BIND_ANY");
    const auto d = read_policy_env();
    EXPECT_TRUE(d.enabled);
    EXPECT_EQ(d.bind_any, any_mode::both);
    EXPECT_FALSE(d.bind_any_invalid);
}

TEST(Policy, IoUringModeFromTheEnvironment) {
    io_uring_mode m = io_uring_mode::files;
    EXPECT_TRUE(parse_io_uring_mode(nullptr, &m));
    EXPECT_EQ(m, io_uring_mode::kernel) << "unset: kernel";
    m = io_uring_mode::files;
    EXPECT_TRUE(parse_io_uring_mode("", &m));
    EXPECT_EQ(m, io_uring_mode::kernel);
    EXPECT_TRUE(parse_io_uring_mode("files", &m));
    EXPECT_EQ(m, io_uring_mode::files);
    EXPECT_TRUE(parse_io_uring_mode("kernel", &m));
    EXPECT_EQ(m, io_uring_mode::kernel);
    for (const char* bad : {"1", "0", "Files", "kernel ", "shunt", "off"})
        EXPECT_FALSE(parse_io_uring_mode(bad, &m)) << bad;
}

TEST(Policy, LiburingByTheLoadersPath) {
    EXPECT_TRUE(is_liburing("/lib/x86_64-linux-gnu/liburing.so.2"));
    EXPECT_TRUE(is_liburing("/usr/local/lib/liburing.so.2.5"));
    EXPECT_TRUE(is_liburing("/usr/lib/liburing-ffi.so.2"));
    EXPECT_TRUE(is_liburing("liburing.so"));
    EXPECT_FALSE(is_liburing(nullptr));
    EXPECT_FALSE(is_liburing(""));  // the program itself
    EXPECT_FALSE(is_liburing("/lib/x86_64-linux-gnu/libc.so.6"));
    EXPECT_FALSE(is_liburing("/opt/liburing.so.2/libfoo.so"));  // a directory of that name
    EXPECT_FALSE(is_liburing("/usr/lib/libnotliburing.so.2"));
}

TEST(Policy, IoUringSetupMarksRefusesOrPasses) {
    using enum ring_verdict;
    const auto k = io_uring_mode::kernel, f = io_uring_mode::files;
    // kernel: the first ring of a process without accelerated sockets makes
    // it an io_uring user; with accelerated sockets, EPERM, marked or not.
    EXPECT_EQ(io_uring_setup_verdict(k, false, false), allow_and_mark);
    EXPECT_EQ(io_uring_setup_verdict(k, true, false), allow);
    EXPECT_EQ(io_uring_setup_verdict(k, false, true), refuse);
    EXPECT_EQ(io_uring_setup_verdict(k, true, true), refuse);
    // files: every ring, and nothing marked.
    for (bool user : {false, true})
        for (bool sockets : {false, true}) EXPECT_EQ(io_uring_setup_verdict(f, user, sockets), allow);
}

}  // namespace
}  // namespace shunt::preload
