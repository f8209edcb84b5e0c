#include "tests/fuzz/admin_ops.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "daemon/admin_server.hpp"
#include "daemon/capture_server.hpp"
#include "daemon/config.hpp"
#include "stack/capture_tap.hpp"
#include "tests/fuzz/admin_replies.hpp"
#include "tests/fuzz/admin_view.hpp"
#include "tests/fuzz/fuzz_checks.hpp"
#include "tests/fuzz/unix_clients.hpp"

namespace shunt::fuzz {
namespace {

// SHUNT_FUZZ_TRACE=1: each operation on stderr (for reading a failing input).
const bool g_trace = std::getenv("SHUNT_FUZZ_TRACE") != nullptr;

constexpr const char* k_op_names[] = {"connect", "request", "send",  "flood", "receive",
                                      "shut",    "hang_up", "serve", "pump",  "frames"};
static_assert(sizeof k_op_names / sizeof k_op_names[0] == static_cast<std::size_t>(admin_op::count));

// The lines shuntctl sends (tools/shuntctl), and a few it does not.
constexpr const char* k_requests[] = {"status\n",          "stats\n",        "apps\n",         "sockets\n",
                                      "reset\n",           "capture\n",      "capture eth1 64\n", "capture 0 65535\n",
                                      "capture eth9\n",    "capture - 63\n", "status\r\n",     "help\n"};
static_assert(sizeof k_requests / sizeof k_requests[0] == req_count);

constexpr std::size_t k_server_clients = 64;  // daemon/admin_server.cpp: more are turned away
constexpr std::size_t k_max_clients = 72;
constexpr std::uint32_t k_tap_bytes = 64 << 10;  // shuntd's are 8 MiB: here full rings drop sooner

[[noreturn]] void die(const std::string& why) {
    std::fprintf(stderr, "fuzz_admin: %s\n", why.c_str());
    std::abort();
}

daemon::daemon_config config_of(std::uint8_t config) {
    daemon::daemon_config cfg;
    cfg.admin_path = socket_dir() + "/admin.sock";
    if (geteuid() == 0) {  // giving the socket file to another user needs root
        if (config & dcfg_owner) cfg.admin_owner = k_owner.uid;
        if (config & dcfg_group) cfg.admin_group = k_owner.gid;
    }
    if (config & dcfg_mode_0666) cfg.admin_mode = 0666;
    return cfg;
}

struct client {
    int fd = -1;  // -1: refused, or hung up
    fuzz_user as{};
    std::unique_ptr<reply_check> check;
    bool ended = false;  // shuntd closed its end
};

class admin_run {
public:
    explicit admin_run(std::uint8_t config);
    ~admin_run();
    void step(admin_op op, input_reader& in);

private:
    client* pick(input_reader& in);
    void connect(std::uint8_t user);
    void send(client& c, std::span<const std::uint8_t> bytes);
    void receive(client& c);
    void serve();
    void pump();
    void frames(input_reader& in);

    daemon::daemon_config cfg_;
    admin_daemon daemon_;
    std::vector<std::string> port_names_;
    std::vector<std::unique_ptr<stack::capture_tap>> taps_;  // outlive the capture server, as in shuntd
    recorded_frames recorded_;
    std::unique_ptr<daemon::capture_server> capture_;
    std::unique_ptr<daemon::admin_server> admin_;
    std::vector<client> clients_;
};

admin_run::admin_run(std::uint8_t config) : cfg_(config_of(config)), daemon_(cfg_) {
    port_names_ = {"eth0"};
    if (!(config & dcfg_one_port)) port_names_.push_back("eth1");
    std::vector<daemon::capture_server::port_tap> taps;
    for (const auto& name : port_names_) {
        taps_.push_back(std::make_unique<stack::capture_tap>(k_tap_bytes));
        taps.push_back({name, taps_.back().get()});
        recorded_.emplace_back();
    }
    capture_ = std::make_unique<daemon::capture_server>(std::move(taps));
    // As daemon/main.cpp wires them.
    auto a = daemon::admin_server::open(cfg_, [this](const std::string& req) { return daemon_.reply(req); });
    if (!a) die("admin_server::open: " + a.err().describe());
    admin_ = std::move(*a);
    admin_->set_stream_handler([this](int fd, const std::string& req) { return capture_->take(fd, req); });
}

// The clients hang up and the main loop sees them go; then shuntd's order.
admin_run::~admin_run() {
    for (auto& c : clients_)
        if (c.fd >= 0) close(c.fd);
    for (int i = 0; i < 4; ++i) {
        serve();
        pump();
    }
    admin_.reset();
    capture_.reset();
}

client* admin_run::pick(input_reader& in) {
    const std::uint8_t i = in.u8();
    if (clients_.empty()) return nullptr;
    client& c = clients_[i % clients_.size()];
    return c.fd >= 0 ? &c : nullptr;
}

// The socket file's mode and owners (unix_listener::open) admit a user
// before shuntd's own policy does.
void admin_run::connect(std::uint8_t user) {
    if (clients_.size() >= k_max_clients) return;
    client c;
    int error = 0;
    c.fd = connect_as(cfg_.admin_path, SOCK_STREAM, k_users[user % k_user_count], &c.as, &error);
    const bool admits = mode_admits(c.as, cfg_.admin_mode, cfg_.admin_owner, cfg_.admin_group);
    if (error != EAGAIN && admits != (c.fd >= 0))
        die("uid " + std::to_string(c.as.uid) + (c.fd >= 0 ? " could" : " could not") +
            " connect to the admin socket: " + std::strerror(error));
    const bool admitted = policy_admits(c.as, cfg_.admin_owner.has_value(), cfg_.admin_group.has_value(), false);
    c.check = std::make_unique<reply_check>(admitted, clients_.size() >= k_server_clients, port_names_, recorded_);
    clients_.push_back(std::move(c));
}

void admin_run::send(client& c, std::span<const std::uint8_t> bytes) {
    const ssize_t n = ::send(c.fd, bytes.data(), bytes.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) c.check->sent(bytes.first(static_cast<std::size_t>(n)));
}

void admin_run::receive(client& c) {
    if (c.ended) return;
    static std::uint8_t buf[64 << 10];
    for (int i = 0; i < 64; ++i) {
        const ssize_t n = read(c.fd, buf, sizeof buf);
        if (n < 0) return;  // nothing more now
        if (g_trace) std::fprintf(stderr, "admin:   read %zd bytes\n", n);
        if (n == 0) {
            c.ended = true;
            c.check->ended();
            return;
        }
        c.check->received({buf, static_cast<std::size_t>(n)});
    }
}

void admin_run::serve() {
    must_not_block("admin_server::service", [this] { admin_->service(); });
    must_not_block("admin_server::expire", [this] { admin_->expire(); });
}

void admin_run::pump() {
    must_not_block("capture_server::pump", [this] { capture_->pump(); });
}

void admin_run::frames(input_reader& in) {
    const std::size_t port = in.u8() % taps_.size();
    const unsigned count = in.u8() % 8 + 1;
    const std::uint32_t len = std::max<std::uint16_t>(in.u16(), 1);
    const std::uint8_t first = in.u8();
    stack::capture_tap& tap = *taps_[port];
    std::vector<std::uint8_t> frame(len);
    for (unsigned i = 0; i < count; ++i) {
        if (!tap.active()) continue;
        const auto f = static_cast<std::uint8_t>(first + i);
        for (std::uint32_t k = 0; k < len; ++k) frame[k] = static_cast<std::uint8_t>(f + k);
        // Two pieces, as a chained mbuf or pbuf gives them.
        const void* data[2] = {frame.data(), frame.data() + len / 3};
        const std::size_t lens[2] = {len / 3, len - len / 3};
        tap.record(data, lens, 2, len, f & 1);
        recorded_[port].push_back({f, len});
    }
}

void admin_run::step(admin_op op, input_reader& in) {
    switch (op) {
        case admin_op::connect: connect(in.u8()); break;
        case admin_op::request: {
            client* c = pick(in);
            const char* line = k_requests[in.u8() % req_count];
            if (c) send(*c, {reinterpret_cast<const std::uint8_t*>(line), std::strlen(line)});
            break;
        }
        case admin_op::send: {
            client* c = pick(in);
            const auto bytes = in.bytes(in.u8());
            if (c) send(*c, bytes);
            break;
        }
        case admin_op::flood: {
            client* c = pick(in);
            const std::size_t len = in.u16() % 8192;
            const std::uint8_t fill = in.u8();
            if (c) send(*c, std::vector<std::uint8_t>(len, fill));
            break;
        }
        case admin_op::receive:
            if (client* c = pick(in)) receive(*c);
            break;
        case admin_op::shut:
            if (client* c = pick(in)) {
                shutdown(c->fd, SHUT_WR);
                c->check->shut();
            }
            break;
        case admin_op::hang_up:
            if (client* c = pick(in)) {
                close(c->fd);
                c->fd = -1;
            }
            break;
        case admin_op::serve: serve(); break;
        case admin_op::pump: pump(); break;
        case admin_op::frames: frames(in); break;
        case admin_op::count: break;
    }
}

}  // namespace

void run_admin_program(input_reader& in) {
    admin_run run(in.u8());
    while (!in.empty()) {
        const auto op = static_cast<admin_op>(in.u8() % static_cast<std::uint8_t>(admin_op::count));
        if (g_trace) std::fprintf(stderr, "admin: %s\n", k_op_names[static_cast<std::size_t>(op)]);
        run.step(op, in);
    }
}

admin_program& admin_program::connect(std::uint8_t user) {
    op(admin_op::connect).w_.u8(user);
    return *this;
}
admin_program& admin_program::request(std::uint8_t client, admin_request which) {
    op(admin_op::request).w_.u8(client).u8(which);
    return *this;
}
admin_program& admin_program::send(std::uint8_t client, std::span<const std::uint8_t> bytes) {
    op(admin_op::send).w_.u8(client).u8(static_cast<std::uint8_t>(bytes.size())).bytes(bytes);
    return *this;
}
admin_program& admin_program::flood(std::uint8_t client, std::uint16_t len, std::uint8_t fill) {
    op(admin_op::flood).w_.u8(client).u16(len).u8(fill);
    return *this;
}
admin_program& admin_program::on_client(admin_op o, std::uint8_t client) {
    op(o).w_.u8(client);
    return *this;
}
admin_program& admin_program::serve() { return op(admin_op::serve); }
admin_program& admin_program::pump() { return op(admin_op::pump); }
admin_program& admin_program::frames(std::uint8_t port, std::uint8_t count, std::uint16_t len, std::uint8_t first) {
    op(admin_op::frames).w_.u8(port).u8(static_cast<std::uint8_t>(count - 1)).u16(len).u8(first);
    return *this;
}

}  // namespace shunt::fuzz
