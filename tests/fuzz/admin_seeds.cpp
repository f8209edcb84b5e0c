// Seed programs for fuzz_admin (fuzz_admin --write-seeds DIR writes them;
// ./dev fuzz does so): what shuntctl asks, as the users the policy admits
// and refuses, captures, and requests that arrive in pieces, too long or
// never.
#include <cstdint>
#include <string_view>

#include "tests/fuzz/admin_ops.hpp"
#include "tests/fuzz/seed_files.hpp"

namespace shunt::fuzz {
namespace {

// k_users (unix_clients.hpp): root, the owner (uid 1000), uid 1001, nobody.
constexpr std::uint8_t k_root = 0, k_owner_user = 1, k_other = 2, k_nobody = 3;

std::span<const std::uint8_t> bytes(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// The main loop's turns for one exchange: accept, read and answer, send.
admin_program& turns(admin_program& p, int n = 3) {
    for (int i = 0; i < n; ++i) p.serve();
    return p;
}

// A new client (the next index) asks `which` and reads the answer.
admin_program& ask(admin_program& p, std::uint8_t client, std::uint8_t user, admin_request which) {
    p.connect(user).request(client, which);
    return turns(p).on_client(admin_op::receive, client);
}

named_inputs programs() {
    named_inputs out;
    {  // every view shuntctl shows, and a reset between two stats
        admin_program p(0);
        const admin_request views[] = {req_status, req_stats, req_apps, req_sockets, req_reset, req_stats,
                                       req_status_crlf, req_unknown};
        std::uint8_t i = 0;
        for (auto r : views) ask(p, i++, k_root, r);
        out.emplace_back("views", p.data());
    }
    {  // admin-owner with mode 0666: the owner is answered, another user refused
        admin_program p(dcfg_owner | dcfg_mode_0666);
        ask(p, 0, k_owner_user, req_status);
        ask(p, 1, k_other, req_stats);
        ask(p, 2, k_other, req_capture);
        out.emplace_back("owner_policy", p.data());
    }
    {  // admin-group with shuntd's mode 0660: a member is answered, nobody cannot connect
        admin_program p(dcfg_group);
        ask(p, 0, k_owner_user, req_apps);
        p.connect(k_nobody);
        ask(p, 2, k_root, req_sockets);
        out.emplace_back("group_policy", p.data());
    }
    {  // nobody configured, mode 0666: only root and the daemon's user
        admin_program p(dcfg_mode_0666);
        ask(p, 0, k_nobody, req_status);
        ask(p, 1, k_root, req_status);
        out.emplace_back("unset_policy", p.data());
    }
    {  // a capture: frames on its port and on the other, pumped out, then the client leaves
        admin_program p(0);
        ask(p, 0, k_root, req_capture);
        p.frames(0, 4, 100, 1).frames(1, 2, 60, 9).frames(0, 2, 1514, 0x80).pump().on_client(admin_op::receive, 0);
        p.frames(0, 8, 9000, 3).pump().pump().on_client(admin_op::receive, 0);
        p.on_client(admin_op::shut, 0).pump().on_client(admin_op::receive, 0).serve();
        ask(p, 1, k_root, req_capture_second);
        p.frames(1, 3, 64, 7).frames(1, 1, 200, 1).pump().on_client(admin_op::receive, 1);
        p.on_client(admin_op::hang_up, 1).frames(1, 2, 80, 2).pump().pump();
        out.emplace_back("capture", p.data());
    }
    {  // one capture at a time; no such port; a snaplen out of range; by index
        admin_program p(dcfg_one_port);
        ask(p, 0, k_root, req_capture_by_index);
        ask(p, 1, k_root, req_capture);
        ask(p, 2, k_root, req_capture_bad_port);
        ask(p, 3, k_root, req_capture_bad_snap);
        p.frames(0, 2, 40000, 5).frames(0, 2, 40000, 6).pump().on_client(admin_op::receive, 0);
        out.emplace_back("capture_refusals", p.data());
    }
    {  // a request in pieces; one ended by shutdown, not a line; nothing then shutdown
        admin_program p(0);
        p.connect(k_root).send(0, bytes("sta")).serve().serve().send(0, bytes("ts\n"));
        turns(p).on_client(admin_op::receive, 0);
        p.connect(k_root).send(1, bytes("apps")).serve().on_client(admin_op::shut, 1);
        turns(p).on_client(admin_op::receive, 1);
        p.connect(k_root).on_client(admin_op::shut, 2);
        turns(p).on_client(admin_op::receive, 2);
        out.emplace_back("partial_requests", p.data());
    }
    {  // more than a request may hold, with and without a line before it
        admin_program p(0);
        p.connect(k_root).flood(0, 5000, 'a');
        turns(p).on_client(admin_op::receive, 0);
        p.connect(k_other).flood(1, 6000, '\n');
        turns(p).on_client(admin_op::receive, 1);
        p.connect(k_root).request(2, req_status).flood(2, 4500, 'x');
        turns(p).on_client(admin_op::receive, 2);
        out.emplace_back("too_long", p.data());
    }
    {  // 65 clients at once: the last is turned away; then one leaves and another asks
        admin_program p(0);
        for (int i = 0; i < 65; ++i) p.connect(k_root);
        p.serve().request(64, req_status);
        turns(p).on_client(admin_op::receive, 64).on_client(admin_op::hang_up, 0);
        ask(p, 65, k_root, req_apps);
        out.emplace_back("crowd", p.data());
    }
    {  // Bytes that are no UTF-8 in a request and in a capture's port: shuntd
       // echoed them raw, and its reply was no JSON (found by this fuzzer)
        admin_program p(0);
        p.connect(k_root).send(0, bytes("ap\x86s\n"));
        turns(p).on_client(admin_op::receive, 0);
        p.connect(k_root).send(1, bytes("capture \xff\x1b[2J 64\n"));
        turns(p).pump().on_client(admin_op::receive, 1);
        out.emplace_back("request_not_utf8", p.data());
    }
    return out;
}

}  // namespace

int write_admin_seeds(const char* dir) { return write_seed_files("fuzz_admin", dir, programs()); }

}  // namespace shunt::fuzz
