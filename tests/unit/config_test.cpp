#include <gtest/gtest.h>

#include "daemon/config_parse.hpp"

using namespace shunt::daemon;

namespace {

shunt::result<cli_result> parse(std::vector<std::string> args) {
    args.insert(args.begin(), "shuntd");
    return parse_command_line(args);
}

TEST(Config, MinimalCommandLine) {
    auto r = parse({"--port", "net_af_xdp0,iface=veth0", "--addr", "10.1.2.3/24"});
    ASSERT_TRUE(r) << r.err().describe();
    ASSERT_EQ(r->config.ports.size(), 1u);
    EXPECT_EQ(r->config.ports[0].address->addr, 0x0a010203u);
    EXPECT_EQ(r->config.ports[0].address->len, 24);
    EXPECT_EQ(r->action, cli_action::run);
}

TEST(Config, AppLimits) {
    auto r = parse({"--port", "net_ring0", "--addr", "10.0.0.1/24", "--app-sockets", "64", "--app-memory", "128",
                    "--max-apps", "3", "--max-apps-per-user", "2", "--socket-buffer", "65536"});
    ASSERT_TRUE(r) << r.err().describe();
    EXPECT_EQ(r->config.app_sockets, 64u);
    EXPECT_EQ(r->config.app_memory_mb, 128u);
    EXPECT_EQ(r->config.max_apps, 3u);
    EXPECT_EQ(r->config.max_apps_per_user, 2u);
    auto socks = parse({"--port", "net_ring0", "--addr", "10.0.0.1/24", "--socket-group", "0", "--admin-group", "7",
                        "--admin-owner", "8"});
    ASSERT_TRUE(socks) << socks.err().describe();
    EXPECT_EQ(socks->config.socket_group, 0u);
    EXPECT_EQ(socks->config.admin_group, 7u) << "each socket its own group";
    EXPECT_EQ(socks->config.admin_owner, 8u);
    EXPECT_FALSE(socks->config.socket_owner);
    EXPECT_EQ(parse({"--port", "net_ring0", "--addr", "10.0.0.1/24"})->config.max_apps_per_user, 64u);
    EXPECT_EQ(r->config.socket_buffer, 65536u);
    auto bad = parse({"--port", "net_ring0", "--addr", "10.0.0.1/24", "--app-sockets", "0"});
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.err().message.find("--app-sockets"), std::string::npos);
}

TEST(Config, UnknownFlagIsNamed) {
    auto r = parse({"--port", "net_ring0", "--addr", "10.0.0.1/24", "--bogus", "1"});
    ASSERT_FALSE(r);
    EXPECT_NE(r.err().message.find("--bogus"), std::string::npos);
}

TEST(Config, BadAddressNamesValue) {
    auto r = parse({"--port", "net_ring0", "--addr", "10.0.0.300/24"});
    ASSERT_FALSE(r);
    EXPECT_NE(r.err().message.find("10.0.0.300/24"), std::string::npos);
}

TEST(Config, NetworkAddressRejected) {
    EXPECT_FALSE(parse({"--port", "net_ring0", "--addr", "10.0.0.0/24"}));
}

TEST(Config, MissingPortIsAnError) {
    auto r = parse({"--workers", "1"});
    ASSERT_FALSE(r);
    EXPECT_NE(r.err().message.find("no port"), std::string::npos);
}

TEST(Config, AddrBeforePortIsAnError) {
    auto r = parse({"--addr", "10.0.0.1/24"});
    ASSERT_FALSE(r);
    EXPECT_NE(r.err().message.find("must follow"), std::string::npos);
}

TEST(Config, GatewayMustBeOnSubnet) {
    auto r = parse({"--port", "net_ring0", "--addr", "10.0.0.1/24", "--gateway", "10.0.1.1"});
    ASSERT_FALSE(r);
    EXPECT_NE(r.err().message.find("not on its subnet"), std::string::npos);
}

TEST(Config, MissingValue) {
    auto r = parse({"--port"});
    ASSERT_FALSE(r);
    EXPECT_NE(r.err().message.find("needs a value"), std::string::npos);
}

TEST(Config, HelpNeedsNoPort) {
    auto r = parse({"--help"});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->action, cli_action::help);
}

TEST(Config, FileWithPortSectionAndLineNumbers) {
    daemon_config cfg;
    auto ok = parse_config_text(cfg,
                                "# comment\nworkers = 1\n[port]\ndevargs = net_af_packet0,iface=x\n"
                                "address = 192.168.7.2/24 # trailing\ngateway = 192.168.7.1\nmtu = 1400\n",
                                "test.conf");
    ASSERT_TRUE(ok) << ok.err().describe();
    ASSERT_EQ(cfg.ports.size(), 1u);
    EXPECT_EQ(cfg.ports[0].mtu, 1400);
    EXPECT_EQ(*cfg.ports[0].gateway, 0xc0a80701u);

    daemon_config bad;
    auto r = parse_config_text(bad, "workers = 1\nmbufs = lots\n", "test.conf");
    ASSERT_FALSE(r);
    EXPECT_NE(r.err().message.find("test.conf:2"), std::string::npos);
    EXPECT_NE(r.err().message.find("mbufs"), std::string::npos);
}

TEST(Config, RangesAreChecked) {
    EXPECT_FALSE(parse({"--port", "net_ring0", "--addr", "10.0.0.1/24", "--mtu", "70000"}));
    EXPECT_FALSE(parse({"--port", "net_ring0", "--addr", "10.0.0.1/24", "--mbufs", "10"}));
    EXPECT_FALSE(parse({"--port", "net_ring0", "--addr", "10.0.0.1/24", "--control", "relative"}));
    EXPECT_FALSE(parse({"--port", "net_ring0", "--addr", "10.0.0.1/24", "--admin-mode", "999"}));
    EXPECT_FALSE(parse({"--port", "net_ring0", "--addr", "10.0.0.1/24", "--log-level", "loud"}));
}

TEST(Config, DuplicatePortRejected) {
    auto r = parse({"--port", "net_ring0", "--addr", "10.0.0.1/24", "--port", "net_ring0,x=1", "--addr",
                    "10.0.1.1/24"});
    ASSERT_FALSE(r);
    EXPECT_NE(r.err().message.find("twice"), std::string::npos);
}

}  // namespace

namespace {

TEST(Config, PollMode) {
    auto def = parse({"--port", "net_ring0", "--addr", "10.0.0.1/24"});
    ASSERT_TRUE(def) << def.err().describe();
    EXPECT_EQ(def->config.poll, poll_mode::adaptive);
    auto irq = parse({"--port", "net_ring0", "--addr", "10.0.0.1/24", "--poll-mode", "interrupt"});
    ASSERT_TRUE(irq) << irq.err().describe();
    EXPECT_EQ(irq->config.poll, poll_mode::interrupt);
    // --idle-sleep 0 meant "poll without pause" before --poll-mode, and still does.
    auto zero = parse({"--port", "net_ring0", "--addr", "10.0.0.1/24", "--idle-sleep", "0"});
    ASSERT_TRUE(zero) << zero.err().describe();
    EXPECT_EQ(zero->config.poll, poll_mode::busy);
    auto bad = parse({"--port", "net_ring0", "--addr", "10.0.0.1/24", "--poll-mode", "sometimes"});
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.err().message.find("--poll-mode"), std::string::npos);
    EXPECT_NE(bad.err().message.find("busy, adaptive or interrupt"), std::string::npos);
}

}  // namespace
