// Issue 20 item 11: apps' command lines are read off the main lcore
// (daemon/cmdline_reader.hpp): request() hands the read to a thread of its
// own and returns; the line, made printable, is there once read, and goes
// with the session. (A read that blocks needs an app that holds its own
// mmap lock on purpose; no test here can make one deterministically, so
// what is checked is that the main lcore's side only hands over.)
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

#include "daemon/cmdline_reader.hpp"

namespace shunt::daemon {
namespace {

TEST(CmdlineReader, ReadsAnAppsCommandLineOffTheCaller) {
    const auto t0 = std::chrono::steady_clock::now();
    cmdline_reader::request(9001, getpid());
    const auto handed = std::chrono::steady_clock::now() - t0;
    cmdline_reader::settle();
    const std::string line = cmdline_reader::get(9001);
    EXPECT_NE(line.find("shunt_security_unit"), std::string::npos) << line;
    EXPECT_LT(handed, std::chrono::seconds(1));
    cmdline_reader::forget(9001);
    EXPECT_EQ(cmdline_reader::get(9001), "");
}

TEST(CmdlineReader, AGoneProcessReadsAsEmpty) {
    const pid_t child = fork();
    if (child == 0) _exit(0);
    int st;
    waitpid(child, &st, 0);
    cmdline_reader::request(9002, child);
    cmdline_reader::settle();
    EXPECT_EQ(cmdline_reader::get(9002), "");
    cmdline_reader::forget(9002);
}

TEST(CmdlineReader, AnUnknownSessionHasNoLine) {
    EXPECT_EQ(cmdline_reader::get(424242), "");
    cmdline_reader::forget(424242);  // nothing to forget: no harm
}

}  // namespace
}  // namespace shunt::daemon
