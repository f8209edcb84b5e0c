// Issue 20 item 1: an fd an app passes shuntd is closed where a blocking
// close cannot stall anything. Here the app passes, as a notify fd, a TCP
// socket with SO_LINGER {1, 30} and unsent bytes, and gives its own copy
// away: shuntd's close is the last and, done on the worker, held it for 30 s
// (every app of it waiting). It goes to shuntd's fd reaper thread instead.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <vector>

#include "tests/engine/fake_app.hpp"

namespace shunt::test {
namespace {

// A kernel TCP connection on 127.0.0.1 whose peer never reads, its sender
// full and lingering: its last close waits `linger` seconds.
struct lingering_socket {
    int listener = -1, peer = -1, fd = -1;
    explicit lingering_socket(int seconds) {
        listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(listener, 1) != 0 ||
            getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len) != 0)
            return;
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return;
        peer = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
        fcntl(fd, F_SETFL, O_NONBLOCK);
        std::vector<char> junk(1 << 16, 'x');
        while (send(fd, junk.data(), junk.size(), MSG_NOSIGNAL) > 0) {
        }
        fcntl(fd, F_SETFL, 0);
        const ::linger l{1, seconds};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    }
    ~lingering_socket() {
        if (peer >= 0) ::close(peer);
        if (listener >= 0) ::close(listener);
    }
};

TEST(FdCloseBlocking, ALingeringSocketPassedAsANotifyFdDoesNotHoldTheWorker) {
    lingering_socket bad(30);
    ASSERT_GE(bad.peer, 0) << "no loopback connection";
    fake_app app;
    shm::command c{};
    c.opcode = static_cast<std::uint32_t>(shm::op::open);
    c.a = SOCK_STREAM;
    const auto start = std::chrono::steady_clock::now();
    (void)app.call(c, bad.fd, -1, /*give_away=*/true);  // refused: not a unix stream socket
    app.pump(3);
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_LT(took, 10.0) << "the worker sat in the app's socket's close (SO_LINGER 30 s)";
    EXPECT_FALSE(app.alive()) << "a notify fd that is not a unix stream socket ends the session";
}

}  // namespace
}  // namespace shunt::test
