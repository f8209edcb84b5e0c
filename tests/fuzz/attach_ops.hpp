// fuzz_attach's input language. An input is a configuration byte, then a
// program of operations, each an opcode byte (taken modulo the number of
// operations) and fixed little-endian fields (fuzz_input.hpp: past the end
// of the input every field reads 0):
//
//   config    bits 0-1: max-apps - 1; bits 2-3: max-apps-per-user - 1;
//             bit 4: socket-owner is k_owner (unix_clients.hpp); bit 5:
//             socket-group is k_owner's group (bits 4 and 5 as root only);
//             bit 6: control-mode 0660 (else 0666); bit 7: app-sockets 8
//             (else 1)
//   connect   user u8: a new client connects as k_users[user % 4]
//   attach    client u8, version i8, fds u8: an attach_request (the magic,
//             k_protocol_version + version), with what `fds` says
//   send      client u8, fds u8, len u8, bytes[len]: any message
//   wake      client u8: a wake message (libshunt's, when the worker sleeps)
//   notify    client u8, tag u8: an fd_message passing a notify pair's two
//             ends, as preload/channel.cpp does before an open
//   receive   client u8: the client reads what shuntd sent and checks it
//   shut      client u8: shutdown(SHUT_WR)
//   hang_up   client u8: close
//   serve     the main lcore's turn: control_server::service, expire
//   work      the worker's turn (attach_host::turn)
//
// `client` picks among the clients connected so far (modulo their number;
// one that has hung up stays in the count, and operations on it do
// nothing). `fds`, bits 0-2: 0 none, 1 a pipe's read end, 2 an AF_UNIX
// stream socket, 3 /dev/null, 4 the client's own socket, 5 both ends of a
// pipe, 6 a notify pair's two ends, 7 six fds (more than shuntd reads:
// MSG_CTRUNC); bit 3: SCM_CREDENTIALS too.
//
// At the end every client hangs up and the main lcore serves the hang-ups;
// each session handed to the worker must have been detached by then.
#pragma once

#include <cstdint>
#include <span>

#include "tests/fuzz/fuzz_input.hpp"

namespace shunt::fuzz {

enum class attach_op : std::uint8_t { connect, attach, send, wake, notify, receive, shut, hang_up, serve, work, count };

enum attach_config : std::uint8_t {
    acfg_owner = 16,
    acfg_group = 32,
    acfg_mode_0660 = 64,
    acfg_eight_sockets = 128,
};
constexpr std::uint8_t acfg_limits(unsigned max_apps, unsigned per_user) {
    return static_cast<std::uint8_t>((max_apps - 1) | (per_user - 1) << 2);
}

enum fd_kind : std::uint8_t {
    fds_none,
    fds_pipe,
    fds_socket,
    fds_dev_null,
    fds_own_socket,
    fds_pipe_pair,
    fds_notify_pair,
    fds_six,
    fds_credentials = 8,
};

// Runs one input against a fresh control server; everything is released on return.
void run_attach_program(input_reader& in);

// Writes programs in the language above (for seeds).
class attach_program {
public:
    explicit attach_program(std::uint8_t config) { w_.u8(config); }
    attach_program& connect(std::uint8_t user);
    attach_program& attach(std::uint8_t client, std::int8_t version = 0, std::uint8_t fds = fds_none);
    attach_program& send(std::uint8_t client, std::uint8_t fds, std::span<const std::uint8_t> bytes);
    attach_program& on_client(attach_op op, std::uint8_t client);  // wake, receive, shut, hang_up
    attach_program& notify(std::uint8_t client, std::uint8_t tag);
    attach_program& serve();
    attach_program& work();
    const std::vector<std::uint8_t>& data() const { return w_.data(); }

private:
    attach_program& op(attach_op o) {
        w_.u8(static_cast<std::uint8_t>(o));
        return *this;
    }
    input_writer w_;
};

}  // namespace shunt::fuzz
