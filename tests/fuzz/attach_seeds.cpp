// Seed programs for fuzz_attach (fuzz_attach --write-seeds DIR writes them;
// ./dev fuzz does so): attaches that succeed, each refusal the control
// server can give, and clients that break the protocol.
#include <cstdint>
#include <vector>

#include "shm/protocol.hpp"
#include "tests/fuzz/attach_ops.hpp"
#include "tests/fuzz/seed_files.hpp"

namespace shunt::fuzz {
namespace {

// k_users (unix_clients.hpp): root, the owner (uid 1000), uid 1001, nobody.
constexpr std::uint8_t k_root = 0, k_owner_user = 1, k_other = 2, k_nobody = 3;
constexpr std::uint8_t k_roomy = acfg_limits(4, 4);

// The client asks, the main lcore serves it (one turn accepts a new
// connection, the next reads it) and the client reads its reply.
attach_program& ask(attach_program& p, std::uint8_t client, std::int8_t version = 0, std::uint8_t fds = fds_none) {
    return p.attach(client, version, fds).serve().serve().on_client(attach_op::receive, client);
}

named_inputs programs() {
    named_inputs out;
    {  // an attach as libshunt makes it, its notify fds and wake-ups, the hang-up
        attach_program p(k_roomy);
        p.connect(k_root);
        ask(p, 0).on_client(attach_op::wake, 0).notify(0, 1).work().on_client(attach_op::wake, 0).work();
        p.on_client(attach_op::hang_up, 0).serve().work();
        out.emplace_back("attach", p.data());
    }
    {  // an older and a newer protocol: EPROTO
        attach_program p(k_roomy | acfg_eight_sockets);
        p.connect(k_root).connect(k_other);
        ask(p, 0, -1);
        ask(p, 1, 1);
        out.emplace_back("other_versions", p.data());
    }
    {  // socket-owner: the owner and root attach, another user is refused (EACCES)
        attach_program p(k_roomy | acfg_owner);
        p.connect(k_owner_user).connect(k_other).connect(k_root);
        ask(p, 0);
        ask(p, 1);
        ask(p, 2).work();
        out.emplace_back("owner_policy", p.data());
    }
    {  // socket-group and mode 0660: the group's member attaches, nobody cannot even connect
        attach_program p(k_roomy | acfg_group | acfg_mode_0660);
        p.connect(k_owner_user).connect(k_nobody).connect(k_other);
        ask(p, 0);
        ask(p, 1);
        out.emplace_back("group_policy", p.data());
    }
    {  // max-apps-per-user 1: the user's second app is refused (EMFILE), root's is not counted
        attach_program p(acfg_limits(4, 1));
        p.connect(k_owner_user).connect(k_owner_user).connect(k_root).connect(k_root);
        ask(p, 0);
        ask(p, 1);
        ask(p, 2);
        ask(p, 3);
        p.on_client(attach_op::hang_up, 0).serve().connect(k_owner_user);
        ask(p, 4);
        out.emplace_back("per_user_cap", p.data());
    }
    {  // max-apps 1: the second app is refused until the first leaves
        attach_program p(acfg_limits(1, 4));
        p.connect(k_root).connect(k_root);
        ask(p, 0);
        ask(p, 1);
        p.on_client(attach_op::hang_up, 0).serve().connect(k_root);
        ask(p, 2);
        out.emplace_back("max_apps", p.data());
    }
    {  // nine connections of one user wait at once: the ninth is turned away
        attach_program p(k_roomy);
        for (int i = 0; i < 9; ++i) p.connect(k_owner_user);
        p.serve();
        for (std::uint8_t i = 0; i < 9; ++i) p.attach(i);
        p.serve().serve();
        for (std::uint8_t i = 0; i < 9; ++i) p.on_client(attach_op::receive, i);
        out.emplace_back("pending_per_user", p.data());
    }
    {  // first messages that are no attach: short with six fds and credentials,
       // empty with a pipe, the right size with the wrong magic and its own socket
        attach_program p(k_roomy);
        p.connect(k_root).connect(k_root).connect(k_other);
        const std::uint8_t three[3] = {1, 2, 3};
        p.send(0, fds_six | fds_credentials, three);
        p.send(1, fds_pipe, {});
        std::uint8_t wrong[sizeof(shm::attach_request)] = {};
        wrong[0] = 0x53;
        p.send(2, fds_own_socket, wrong).serve().serve();
        for (std::uint8_t i = 0; i < 3; ++i) p.on_client(attach_op::receive, i);
        out.emplace_back("not_an_attach", p.data());
    }
    {  // an attach that carries fds (closed unread) and credentials
        attach_program p(k_roomy);
        p.connect(k_other);
        ask(p, 0, 0, fds_notify_pair | fds_credentials).work();
        out.emplace_back("attach_with_fds", p.data());
    }
    {  // after the attach: a second attach_request and junk with fds, read by the worker
        attach_program p(k_roomy);
        p.connect(k_root).attach(0).attach(0).serve().serve().on_client(attach_op::receive, 0).work();
        p.connect(k_root);
        ask(p, 1);
        const std::uint8_t junk[5] = {'W', 'A', 'K', 'E', 0};
        p.send(1, fds_dev_null, junk).work().serve().on_client(attach_op::receive, 1);
        out.emplace_back("junk_after_attach", p.data());
    }
    {  // half-closes and hang-ups at every step: before the reply, after it, before asking
        attach_program p(k_roomy);
        p.connect(k_root).attach(0).serve().on_client(attach_op::hang_up, 0).serve();
        p.connect(k_root);
        ask(p, 1).on_client(attach_op::shut, 1).serve().work().on_client(attach_op::receive, 1);
        p.connect(k_other).on_client(attach_op::shut, 2).serve().serve();
        p.connect(k_root).attach(3).on_client(attach_op::shut, 3).serve().serve().on_client(attach_op::receive, 3);
        p.work();
        out.emplace_back("hang_ups", p.data());
    }
    {  // After its attach, an app passes its own control socket in an
       // fd_message no call claims, then exits: the message kept the socket
       // open, shuntd never saw the hang-up and the session stayed attached
       // for good (found by this fuzzer; docs/fuzzing.md, "Findings").
        attach_program p(k_roomy);
        p.connect(k_root);
        ask(p, 0).work();
        const std::uint8_t tag[8] = {'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A'};
        p.send(0, fds_own_socket, tag).work();
        out.emplace_back("own_socket_in_flight", p.data());
    }
    return out;
}

}  // namespace

int write_attach_seeds(const char* dir) { return write_seed_files("fuzz_attach", dir, programs()); }

}  // namespace shunt::fuzz
