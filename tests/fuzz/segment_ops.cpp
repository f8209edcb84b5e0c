#include "tests/fuzz/segment_ops.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "tests/fuzz/lwip_env.hpp"
#include "tests/fuzz/segment_app.hpp"

namespace shunt::fuzz {
namespace {

constexpr std::array<std::uint32_t, 8> k_addrs = {
    0,
    ip4(127, 0, 0, 1),
    ip4(10, 0, 0, 1),
    ip4(10, 0, 0, 2),
    ip4(255, 255, 255, 255),
    ip4(127, 0, 0, 2),
    ip4(10, 0, 0, 255),
    ip4(224, 0, 0, 1),
};

std::uint32_t read_addr(input_reader& in) {
    const std::uint8_t sel = in.u8();
    return sel < k_addrs.size() ? k_addrs[sel] : in.u32();
}

// SHUNT_FUZZ_TRACE=1: each operation on stderr (for reading a crash's input).
const bool g_trace = std::getenv("SHUNT_FUZZ_TRACE") != nullptr;

constexpr const char* k_op_names[] = {"write", "push", "call", "send", "send_dgram", "recv", "recv_dgram",
                                      "clear_readable", "block_tx", "close_notify", "reap", "flush", "audit",
                                      "detach", "drain_notify", "hang_up", "poll", "loop", "timers", "junk",
                                      "select", "describe"};
static_assert(sizeof k_op_names / sizeof k_op_names[0] == static_cast<std::size_t>(seg_op::count));

struct region {
    std::uint64_t start, size;
};

region region_of(std::uint8_t which, std::uint8_t index) {
    const auto& g = k_geometry;
    switch (which % 8) {
        case 0: return {0, sizeof(shm::segment_header)};
        case 1: return {g.off_ring, g.off_cells - g.off_ring};
        case 2: return {g.off_cells, std::uint64_t{g.ring_cells} * sizeof(shm::index_cell)};
        case 3: return {g.off_calls + std::uint64_t{index % g.call_slots} * sizeof(shm::call_slot), sizeof(shm::call_slot)};
        case 4:
            return {g.off_sockets + std::uint64_t{index % g.max_sockets} * sizeof(shm::socket_shared),
                    sizeof(shm::socket_shared)};
        case 5: return {g.off_data + std::uint64_t{index % g.max_sockets} * 2 * g.ring_bytes, g.ring_bytes};
        case 6: return {g.off_data + (std::uint64_t{index % g.max_sockets} * 2 + 1) * g.ring_bytes, g.ring_bytes};
        default: return {0, g.size};
    }
}

// The worker's view of the apps: it destroys a session whose poll or audit
// fails, and a detached one once it is idle.
class world {
public:
    explicit world(std::uint8_t config) {
        segment_app::config c;
        c.uid = (config & cfg_root) ? 0 : 1000;
        c.max_sockets = (config & cfg_four_sockets) ? 4 : k_sockets;
        c.max_memory = (config & cfg_memory_cap) ? 3ull * 2 * k_geometry.ring_bytes : 0;
        const int n = (config & cfg_two_apps) ? 2 : 1;
        for (int i = 0; i < n; ++i) apps_[i] = segment_app::attach(++next_session_, c);
    }

    segment_app* app() const { return apps_[cur_].get(); }
    void select(std::uint8_t i) { cur_ = apps_[i & 1] ? (i & 1) : 0; }

    bool any_session() const {
        for (const auto& a : apps_)
            if (a && a->daemon()) return true;
        return false;
    }

    // session::poll for the current app.
    void poll(unsigned budget) {
        daemon::session* s = app() ? app()->daemon() : nullptr;
        unsigned served = 0;
        if (s && !s->poll(budget, &served)) app()->end_session();
    }

    void audit_all() {
        for (auto& a : apps_) {
            if (!a || !a->daemon()) continue;
            if (!a->daemon()->audit()) a->end_session();
            else if (a->daemon()->detached() && a->daemon()->idle()) a->end_session();
        }
    }

    void flush_all() {
        for (auto& a : apps_)
            if (a && a->daemon()) a->daemon()->flush();
    }

    // One iteration of worker::run, without DPDK.
    void worker_loop() {
        lwip_poll_loopback();
        for (auto& a : apps_) {
            if (!a || !a->daemon()) continue;
            unsigned served = 0;
            if (!a->daemon()->poll(64, &served)) a->end_session();
        }
        lwip_run_timers(1);
        flush_all();
        audit_all();
    }

private:
    static inline std::uint64_t next_session_ = 0;
    std::array<std::unique_ptr<segment_app>, 2> apps_;
    unsigned cur_ = 0;
};

void do_write(segment_app& app, input_reader& in) {
    const std::uint8_t which = in.u8(), index = in.u8();
    const std::uint32_t offset = in.u32();
    const std::uint8_t len = in.u8();
    const auto bytes = in.bytes(len);
    const region r = region_of(which, index);
    const std::uint64_t off = offset % r.size;
    const std::size_t n = std::min<std::uint64_t>(bytes.size(), r.size - off);
    std::memcpy(app.view().base() + r.start + off, bytes.data(), n);
}

void do_push(segment_app& app, input_reader& in) {
    const std::uint8_t kind = in.u8();
    if (kind >= 8) {
        (void)app.ring(in.u64());
        return;
    }
    (void)app.ring(shm::ring_value(static_cast<shm::ring_kind>(kind), in.u8()));
}

void do_call(segment_app& app, input_reader& in) {
    const std::uint8_t slot = in.u8(), flags = in.u8();
    shm::command c{};
    c.opcode = in.u8();
    const std::uint8_t sock = in.u8();
    c.sock = sock == 0xff ? 0xffff'ffffu : sock;
    c.addr = read_addr(in);
    c.port = htons(in.u16());
    c.a = static_cast<std::int16_t>(in.u16());
    c.b = static_cast<std::int16_t>(in.u16());
    c.c = static_cast<std::int16_t>(in.u16());
    c.tag = app.claim(slot);
    const bool wants_fd = c.opcode == static_cast<std::uint32_t>(shm::op::open) ||
                          c.opcode == static_cast<std::uint32_t>(shm::op::accept);
    if (wants_fd || (flags & call_fd_always))
        app.send_fd(c.tag, static_cast<fd_kind>((flags & 7) % static_cast<unsigned>(fd_kind::count)));
    app.post(slot, c, flags & call_sleeping);
    if (!(flags & call_no_doorbell)) (void)app.ring(shm::ring_value(shm::ring_kind::call, slot % k_call_slots));
}

}  // namespace

void run_segment_program(input_reader& in) {
    world w(in.u8());
    while (!in.empty() && w.any_session()) {
        segment_app* app = w.app();
        if (!app) break;
        const auto o = static_cast<seg_op>(in.u8() % static_cast<unsigned>(seg_op::count));
        if (g_trace) std::fprintf(stderr, "fuzz_segment: %s (%zu bytes left)\n", k_op_names[static_cast<int>(o)], in.left());
        switch (o) {
            case seg_op::write: do_write(*app, in); break;
            case seg_op::push: do_push(*app, in); break;
            case seg_op::call: do_call(*app, in); break;
            case seg_op::send: {
                const std::uint8_t sock = in.u8();
                const std::uint16_t len = in.u16();
                const std::uint8_t fill = in.u8(), flags = in.u8();
                const std::int64_t n = app->send_stream(sock, len, fill, !(flags & 1));
                if (g_trace) std::fprintf(stderr, "fuzz_segment:   sent %lld on %u\n", static_cast<long long>(n), sock);
                break;
            }
            case seg_op::send_dgram: {
                const std::uint8_t sock = in.u8();
                const std::uint16_t len = in.u16();
                const std::uint32_t addr = read_addr(in);
                const std::uint16_t port = htons(in.u16());
                const std::uint8_t flags = in.u8();
                const bool ok = app->send_dgram(sock, len, addr, port, !(flags & 1));
                if (g_trace) std::fprintf(stderr, "fuzz_segment:   %s on %u\n", ok ? "sent" : "no room", sock);
                break;
            }
            case seg_op::recv: {
                const std::uint8_t sock = in.u8();
                const std::int64_t n = app->recv_stream(sock, in.u16());
                if (g_trace) std::fprintf(stderr, "fuzz_segment:   received %lld on %u\n", static_cast<long long>(n), sock);
                break;
            }
            case seg_op::recv_dgram: {
                const std::uint8_t sock = in.u8();
                const bool got = app->recv_dgram(sock);
                if (g_trace) std::fprintf(stderr, "fuzz_segment:   %s on %u\n", got ? "a datagram" : "none", sock);
                break;
            }
            case seg_op::clear_readable: app->clear_readable(in.u8()); break;
            case seg_op::block_tx: app->block_tx(in.u8()); break;
            case seg_op::close_notify: app->close_notify(in.u8()); break;
            case seg_op::reap: app->reap(); break;
            case seg_op::flush: w.flush_all(); break;
            case seg_op::audit: w.audit_all(); break;
            case seg_op::detach:
                if (app->daemon()) app->daemon()->detach();
                w.audit_all();  // a detached, idle session goes at once
                break;
            case seg_op::drain_notify: app->drain_notify(); break;
            case seg_op::hang_up: app->hang_up(); break;
            case seg_op::poll: w.poll(in.u8()); break;
            case seg_op::loop: {
                const unsigned n = in.u8() % 64u + 1;
                for (unsigned i = 0; i < n && w.any_session(); ++i) w.worker_loop();
                break;
            }
            case seg_op::timers: lwip_run_timers(in.u16() % 1024u); break;
            case seg_op::junk: {
                const std::uint8_t len = in.u8(), with_fd = in.u8();
                app->send_junk(in.bytes(len), with_fd & 1);
                break;
            }
            case seg_op::select: w.select(in.u8()); break;
            case seg_op::describe:
                if (daemon::session* s = app->daemon()) {
                    std::vector<daemon::socket_report> sockets;
                    s->describe_sockets(sockets);
                    const daemon::session_report r = s->report();
                    if (g_trace)
                        std::fprintf(stderr, "fuzz_segment:   %zu sockets listed, %u in use, %llu bytes resident\n",
                                     sockets.size(), r.sockets, static_cast<unsigned long long>(r.segment_bytes));
                }
                break;
            case seg_op::count: break;
        }
    }
}

// --- writing programs --------------------------------------------------------

namespace {
std::uint8_t op(seg_op o) { return static_cast<std::uint8_t>(o); }
}  // namespace

segment_program& segment_program::call(std::uint8_t slot, std::uint8_t flags, std::uint8_t opcode, std::uint8_t sock,
                                       std::uint8_t addr, std::uint16_t port, std::int16_t a, std::int16_t b,
                                       std::int16_t c) {
    w_.u8(op(seg_op::call)).u8(slot).u8(flags).u8(opcode).u8(sock).u8(addr).u16(port);
    w_.u16(static_cast<std::uint16_t>(a)).u16(static_cast<std::uint16_t>(b)).u16(static_cast<std::uint16_t>(c));
    return *this;
}
segment_program& segment_program::send(std::uint8_t sock, std::uint16_t len, std::uint8_t fill) {
    w_.u8(op(seg_op::send)).u8(sock).u16(len).u8(fill).u8(0);
    return *this;
}
segment_program& segment_program::send_dgram(std::uint8_t sock, std::uint16_t len, std::uint8_t addr,
                                             std::uint16_t port) {
    w_.u8(op(seg_op::send_dgram)).u8(sock).u16(len).u8(addr).u16(port).u8(0);
    return *this;
}
segment_program& segment_program::recv(std::uint8_t sock, std::uint16_t len) {
    w_.u8(op(seg_op::recv)).u8(sock).u16(len);
    return *this;
}
segment_program& segment_program::recv_dgram(std::uint8_t sock) {
    w_.u8(op(seg_op::recv_dgram)).u8(sock);
    return *this;
}
segment_program& segment_program::loop(std::uint8_t n) {
    w_.u8(op(seg_op::loop)).u8(static_cast<std::uint8_t>(n - 1));
    return *this;
}
segment_program& segment_program::timers(std::uint16_t steps) {
    w_.u8(op(seg_op::timers)).u16(steps);
    return *this;
}
segment_program& segment_program::simple(seg_op o) {
    w_.u8(op(o));
    return *this;
}
segment_program& segment_program::on_socket(seg_op o, std::uint8_t sock) {
    w_.u8(op(o)).u8(sock);
    return *this;
}
segment_program& segment_program::poll(std::uint8_t budget) {
    w_.u8(op(seg_op::poll)).u8(budget);
    return *this;
}
segment_program& segment_program::push(std::uint8_t kind, std::uint8_t index) {
    w_.u8(op(seg_op::push)).u8(kind).u8(index);
    return *this;
}
segment_program& segment_program::write(std::uint8_t region, std::uint8_t index, std::uint32_t offset,
                                        std::span<const std::uint8_t> bytes) {
    w_.u8(op(seg_op::write)).u8(region).u8(index).u32(offset).u8(static_cast<std::uint8_t>(bytes.size()));
    w_.bytes(bytes.first(std::min<std::size_t>(bytes.size(), 255)));
    return *this;
}
segment_program& segment_program::junk(std::span<const std::uint8_t> msg, bool with_fd) {
    w_.u8(op(seg_op::junk)).u8(static_cast<std::uint8_t>(msg.size())).u8(with_fd ? 1 : 0);
    w_.bytes(msg.first(std::min<std::size_t>(msg.size(), 255)));
    return *this;
}
segment_program& segment_program::select(std::uint8_t app) {
    w_.u8(op(seg_op::select)).u8(app);
    return *this;
}

}  // namespace shunt::fuzz
