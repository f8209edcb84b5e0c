#include "tests/fuzz/attach_ops.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "daemon/config.hpp"
#include "daemon/control_server.hpp"
#include "daemon/fd_reaper.hpp"
#include "shm/fd_passing.hpp"
#include "shm/protocol.hpp"
#include "shm/segment.hpp"
#include "tests/fuzz/attach_host.hpp"
#include "tests/fuzz/fuzz_checks.hpp"
#include "tests/fuzz/unix_clients.hpp"

namespace shunt::fuzz {
namespace {

// SHUNT_FUZZ_TRACE=1: each operation on stderr (for reading a failing input).
const bool g_trace = std::getenv("SHUNT_FUZZ_TRACE") != nullptr;

constexpr const char* k_op_names[] = {"connect", "attach", "send",  "wake",  "notify",
                                      "receive", "shut",   "hang_up", "serve", "work"};
static_assert(sizeof k_op_names / sizeof k_op_names[0] == static_cast<std::size_t>(attach_op::count));

// More than the control server's 64 waiting connections (and 8 per user).
constexpr std::size_t k_max_clients = 80;

[[noreturn]] void die(const std::string& why) {
    std::fprintf(stderr, "fuzz_attach: %s\n", why.c_str());
    std::abort();
}

struct client {
    int fd = -1;  // -1: refused, or hung up
    fuzz_user as{};
    bool sent = false;               // a message is queued: the first is what the attach reads
    std::vector<std::uint8_t> first;  // its bytes, as much as an attach_request
    bool answered = false;
};

// The fds an operation passes (fd_kind); the caller closes them after sending.
std::vector<int> make_fds(std::uint8_t kind, int own) {
    std::vector<int> fds;
    int p[2];
    switch (kind & 7) {
        case fds_pipe:
            if (pipe2(p, O_CLOEXEC) == 0) {
                fds.push_back(p[0]);
                close(p[1]);
            }
            break;
        case fds_socket:
            if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) == 0) {
                fds.push_back(p[0]);
                close(p[1]);
            }
            break;
        case fds_dev_null: fds.push_back(open("/dev/null", O_RDONLY | O_CLOEXEC)); break;
        case fds_own_socket: fds.push_back(fcntl(own, F_DUPFD_CLOEXEC, 0)); break;
        case fds_pipe_pair:
            if (pipe2(p, O_CLOEXEC) == 0) fds.assign(p, p + 2);
            break;
        case fds_notify_pair:
            if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, p) == 0) fds.assign(p, p + 2);
            break;
        case fds_six:
            for (int i = 0; i < 3; ++i)
                if (pipe2(p, O_CLOEXEC) == 0) fds.insert(fds.end(), p, p + 2);
            break;
        default: break;
    }
    std::erase(fds, -1);
    return fds;
}

// One message with the fds (SCM_RIGHTS) and credentials (SCM_CREDENTIALS)
// `kind` asks for; never blocks (a full queue or a closed peer: not sent).
void send_message(client& c, std::span<const std::uint8_t> bytes, std::uint8_t kind) {
    const std::vector<int> fds = make_fds(kind, c.fd);
    iovec iov{const_cast<std::uint8_t*>(bytes.data()), bytes.size()};
    msghdr mh{};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    alignas(cmsghdr) char ctl[CMSG_SPACE(8 * sizeof(int)) + CMSG_SPACE(sizeof(ucred))] = {};
    std::size_t used = 0;
    if (!fds.empty()) used += CMSG_SPACE(fds.size() * sizeof(int));
    if (kind & fds_credentials) used += CMSG_SPACE(sizeof(ucred));
    if (used) {
        mh.msg_control = ctl;
        mh.msg_controllen = used;
        cmsghdr* cm = CMSG_FIRSTHDR(&mh);
        if (!fds.empty()) {
            cm->cmsg_level = SOL_SOCKET;
            cm->cmsg_type = SCM_RIGHTS;
            cm->cmsg_len = CMSG_LEN(fds.size() * sizeof(int));
            std::memcpy(CMSG_DATA(cm), fds.data(), fds.size() * sizeof(int));
            cm = CMSG_NXTHDR(&mh, cm);
        }
        if (kind & fds_credentials) {
            const ucred cred{getpid(), getuid(), getgid()};
            cm->cmsg_level = SOL_SOCKET;
            cm->cmsg_type = SCM_CREDENTIALS;
            cm->cmsg_len = CMSG_LEN(sizeof cred);
            std::memcpy(CMSG_DATA(cm), &cred, sizeof cred);
        }
    }
    const bool queued = sendmsg(c.fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0;
    for (int f : fds) close(f);
    if (queued && !c.sent) {
        c.sent = true;
        c.first.assign(bytes.begin(), bytes.begin() + std::min(bytes.size(), sizeof(shm::attach_request)));
    }
}

class attach_run {
public:
    explicit attach_run(std::uint8_t config);
    ~attach_run();
    void step(attach_op op, input_reader& in);

private:
    client* pick(input_reader& in);
    void connect(std::uint8_t user);
    void receive(client& c);
    void check_reply(client& c, const shm::attach_reply& r, int fd);
    void check_segment(const shm::attach_reply& r, int memfd);
    void serve();

    daemon::daemon_config cfg_;
    attach_host host_;
    std::unique_ptr<daemon::control_server> server_;
    std::vector<client> clients_;
    std::set<std::uint64_t> sessions_;  // ids replies carried
};

attach_run::attach_run(std::uint8_t config)
    : host_(1 + (config & 3), 1 + ((config >> 2) & 3)) {
    cfg_.max_apps = 1 + (config & 3);
    cfg_.max_apps_per_user = 1 + ((config >> 2) & 3);
    if (geteuid() == 0) {  // giving the socket file to another user needs root
        if (config & acfg_owner) cfg_.socket_owner = k_owner.uid;
        if (config & acfg_group) cfg_.socket_group = k_owner.gid;
    }
    cfg_.control_mode = (config & acfg_mode_0660) ? 0660 : 0666;
    cfg_.app_sockets = (config & acfg_eight_sockets) ? 8 : 1;
    cfg_.socket_buffer = 4096;
    cfg_.control_path = socket_dir() + "/control.sock";
    auto s = daemon::control_server::open(cfg_, host_, {{0x0000000a, 24}});  // 10.0.0.0/24, a port's subnet
    if (!s) die("control_server::open: " + s.err().describe());
    server_ = std::move(*s);
}

// Every client hangs up; the main lcore and the worker run on, as in
// shuntd, until the main lcore has nothing left to serve: no app may stay
// attached once its connection is gone. A copy of a client's socket that
// the client passed may still wait in the fd reaper's queue, keeping the
// connection open until the reaper closes it: the loop lets it finish first.
attach_run::~attach_run() {
    for (auto& c : clients_)
        if (c.fd >= 0) close(c.fd);
    for (int i = 0; i < 64; ++i) {
        must_not_block("the worker's turn", [this] { host_.turn(); });
        daemon::fd_reaper::settle();
        pollfd p{server_->poll_fd(), POLLIN, 0};
        if (::poll(&p, 1, 0) <= 0) break;
        serve();
    }
    if (host_.attached_count())
        die(std::to_string(host_.attached_count()) + " sessions still attached after every app hung up");
    if (server_->attached()) die("the control server still counts attached apps after every app hung up");
    server_.reset();
}

client* attach_run::pick(input_reader& in) {
    const std::uint8_t i = in.u8();
    if (clients_.empty()) return nullptr;
    client& c = clients_[i % clients_.size()];
    return c.fd >= 0 ? &c : nullptr;
}

void attach_run::serve() {
    must_not_block("control_server::service", [this] { server_->service(); });
    must_not_block("control_server::expire", [this] { server_->expire(); });
}

// The socket file's mode and owners (unix_listener::open) admit a user
// before shuntd's own policy does.
void attach_run::connect(std::uint8_t user) {
    if (clients_.size() >= k_max_clients) return;
    client c;
    int error = 0;
    c.fd = connect_as(cfg_.control_path, SOCK_SEQPACKET, k_users[user % k_user_count], &c.as, &error);
    const bool admits = mode_admits(c.as, cfg_.control_mode, cfg_.socket_owner, cfg_.socket_group);
    if (error != EAGAIN && admits != (c.fd >= 0))
        die("uid " + std::to_string(c.as.uid) + (c.fd >= 0 ? " could" : " could not") +
            " connect to the control socket: " + std::strerror(error));
    clients_.push_back(std::move(c));
}

void attach_run::check_segment(const shm::attach_reply& r, int memfd) {
    struct stat st{};
    if (fstat(memfd, &st) != 0 || static_cast<std::uint64_t>(st.st_size) != r.segment_size)
        die("the segment's memfd does not hold the size the reply gives");
    const int seals = fcntl(memfd, F_GET_SEALS);
    const int want = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;
    if (seals < 0 || (seals & want) != want) die("the segment's memfd is not sealed");
    void* p = mmap(nullptr, sizeof(shm::segment_header), PROT_READ, MAP_SHARED, memfd, 0);
    if (p == MAP_FAILED) die("cannot map the segment");
    shm::segment_header h;
    std::memcpy(&h, p, sizeof h);
    munmap(p, sizeof(shm::segment_header));
    if (h.magic != shm::k_segment_magic || h.version != shm::k_protocol_version || h.session != r.session ||
        h.geometry.size != r.segment_size || h.daemon_pid != static_cast<std::uint32_t>(getpid()))
        die("the segment's header does not match the reply");
}

// What a client may be told (control_server::on_pending): one reply, to a
// first message that was an attach_request; success only for the current
// protocol and a user the policy admits, with the segment; EPROTO exactly
// for another version; EACCES only for a user the policy refuses.
void attach_run::check_reply(client& c, const shm::attach_reply& r, int fd) {
    if (c.answered) die("a second reply on one connection");
    c.answered = true;
    shm::attach_request req{};
    if (c.first.size() != sizeof req) die("a reply to a client whose first message was no attach_request");
    std::memcpy(&req, c.first.data(), sizeof req);
    if (req.magic != shm::k_segment_magic) die("a reply to a first message without the magic");
    if (r.magic != shm::k_segment_magic || r.version != shm::k_protocol_version) die("a reply without magic and version");
    if ((r.status == 0) != (fd >= 0)) die("a reply's status " + std::to_string(r.status) + " and its fd disagree");
    if ((req.version != shm::k_protocol_version) != (r.status == EPROTO))
        die("version " + std::to_string(req.version) + " answered with status " + std::to_string(r.status));
    const bool admitted =
        policy_admits(c.as, cfg_.socket_owner.has_value(), cfg_.socket_group.has_value(), true);
    if (r.status == EACCES && admitted) die("uid " + std::to_string(c.as.uid) + " refused, which the policy admits");
    if (r.status != 0) return;
    if (!admitted) die("uid " + std::to_string(c.as.uid) + " attached, which the policy refuses");
    if (!sessions_.insert(r.session).second) die("session id " + std::to_string(r.session) + " given twice");
    if (!host_.adopted(r.session)) die("session " + std::to_string(r.session) + " replied but never handed to the worker");
    check_segment(r, fd);
}

void attach_run::receive(client& c) {
    for (int i = 0; i < 8; ++i) {
        std::uint8_t buf[64];
        int fds[shm::k_max_passed_fds];
        const ssize_t n = shm::recv_with_fds(c.fd, buf, sizeof buf, fds, MSG_DONTWAIT);
        if (n < 0) return;  // nothing (EAGAIN), or an error the hang-up brings
        if (n == 0 && fds[0] < 0) return;  // the end: shuntd closed its side
        if (fds[1] >= 0) die("a reply with two fds");
        if (static_cast<std::size_t>(n) != sizeof(shm::attach_reply))
            die("shuntd sent a message of " + std::to_string(n) + " bytes");
        shm::attach_reply r;
        std::memcpy(&r, buf, sizeof r);
        check_reply(c, r, fds[0]);
        if (fds[0] >= 0) close(fds[0]);
    }
}

void attach_run::step(attach_op op, input_reader& in) {
    switch (op) {
        case attach_op::connect: connect(in.u8()); break;
        case attach_op::attach: {
            client* c = pick(in);
            const auto version = static_cast<std::int8_t>(in.u8());
            const std::uint8_t kind = in.u8();
            if (!c) break;
            const shm::attach_request req{shm::k_segment_magic,
                                          shm::k_protocol_version + static_cast<std::uint32_t>(version), 0};
            send_message(*c, {reinterpret_cast<const std::uint8_t*>(&req), sizeof req}, kind);
            break;
        }
        case attach_op::send: {
            client* c = pick(in);
            const std::uint8_t kind = in.u8();
            const auto bytes = in.bytes(in.u8());
            if (c) send_message(*c, bytes, kind);
            break;
        }
        case attach_op::wake: {
            const shm::wake_message m{shm::k_wake_magic};
            if (client* c = pick(in)) send_message(*c, {reinterpret_cast<const std::uint8_t*>(&m), sizeof m}, fds_none);
            break;
        }
        case attach_op::notify: {
            client* c = pick(in);
            const shm::fd_message m{in.u8()};
            if (c) send_message(*c, {reinterpret_cast<const std::uint8_t*>(&m), sizeof m}, fds_notify_pair);
            break;
        }
        case attach_op::receive:
            if (client* c = pick(in)) receive(*c);
            break;
        case attach_op::shut:
            if (client* c = pick(in)) shutdown(c->fd, SHUT_WR);
            break;
        case attach_op::hang_up:
            if (client* c = pick(in)) {
                close(c->fd);
                c->fd = -1;
            }
            break;
        case attach_op::serve: serve(); break;
        case attach_op::work: must_not_block("the worker's turn", [this] { host_.turn(); }); break;
        case attach_op::count: break;
    }
}

}  // namespace

void run_attach_program(input_reader& in) {
    attach_run run(in.u8());
    while (!in.empty()) {
        const auto op = static_cast<attach_op>(in.u8() % static_cast<std::uint8_t>(attach_op::count));
        if (g_trace) std::fprintf(stderr, "attach: %s\n", k_op_names[static_cast<std::size_t>(op)]);
        run.step(op, in);
    }
}

attach_program& attach_program::connect(std::uint8_t user) {
    op(attach_op::connect).w_.u8(user);
    return *this;
}
attach_program& attach_program::attach(std::uint8_t client, std::int8_t version, std::uint8_t fds) {
    op(attach_op::attach).w_.u8(client).u8(static_cast<std::uint8_t>(version)).u8(fds);
    return *this;
}
attach_program& attach_program::send(std::uint8_t client, std::uint8_t fds, std::span<const std::uint8_t> bytes) {
    op(attach_op::send).w_.u8(client).u8(fds).u8(static_cast<std::uint8_t>(bytes.size())).bytes(bytes);
    return *this;
}
attach_program& attach_program::on_client(attach_op o, std::uint8_t client) {
    op(o).w_.u8(client);
    return *this;
}
attach_program& attach_program::notify(std::uint8_t client, std::uint8_t tag) {
    op(attach_op::notify).w_.u8(client).u8(tag);
    return *this;
}
attach_program& attach_program::serve() { return op(attach_op::serve); }
attach_program& attach_program::work() { return op(attach_op::work); }

}  // namespace shunt::fuzz
