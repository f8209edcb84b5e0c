// fuzz_admin's input language. An input is a configuration byte, then a
// program of operations, each an opcode byte (taken modulo the number of
// operations) and fixed little-endian fields (fuzz_input.hpp: past the end
// of the input every field reads 0):
//
//   config    bit 0: admin-owner is k_owner (unix_clients.hpp); bit 1:
//             admin-group is k_owner's group (bits 0 and 1 as root only);
//             bit 2: admin-mode 0666 (else shuntd's default 0660); bit 3: one
//             port to capture (else two)
//   connect   user u8: a new client connects as k_users[user % 4]
//   request   client u8, which u8: a line shuntctl sends (k_requests in
//             admin_ops.cpp: status, stats, apps, sockets, reset, capture ...)
//   send      client u8, len u8, bytes[len]: any bytes
//   flood     client u8, len u16, fill u8: len % 8192 bytes of fill (past
//             the 4,096 bytes a request may have)
//   receive   client u8: the client reads what came and checks it
//             (admin_replies.hpp)
//   shut      client u8: shutdown(SHUT_WR)
//   hang_up   client u8: close
//   serve     the main loop's turn: admin_server::service, expire
//   pump      the main loop's turn of the capture: capture_server::pump
//   frames    port u8, count u8, len u16, first u8: the worker records
//             count % 8 + 1 frames of max(len, 1) bytes (first, first + 1,
//             ...; each next frame starts one higher) on port % ports, in
//             two pieces, sent when first is odd, only while a capture runs
//             there (stack/netif_driver.cpp does the same)
//
// `client` picks among the clients connected so far (modulo their number;
// one that has hung up stays in the count, and operations on it do nothing).
#pragma once

#include <cstdint>
#include <span>

#include "tests/fuzz/fuzz_input.hpp"

namespace shunt::fuzz {

enum class admin_op : std::uint8_t {
    connect,
    request,
    send,
    flood,
    receive,
    shut,
    hang_up,
    serve,
    pump,
    frames,
    count
};

enum admin_config : std::uint8_t { dcfg_owner = 1, dcfg_group = 2, dcfg_mode_0666 = 4, dcfg_one_port = 8 };

// Indexes into k_requests.
enum admin_request : std::uint8_t {
    req_status,
    req_stats,
    req_apps,
    req_sockets,
    req_reset,
    req_capture,            // "capture": the first port, shuntctl's default snaplen
    req_capture_second,     // "capture eth1 64"
    req_capture_by_index,   // "capture 0 65535"
    req_capture_bad_port,   // "capture eth9"
    req_capture_bad_snap,   // "capture - 63"
    req_status_crlf,        // "status\r\n"
    req_unknown,            // "help"
    req_count
};

// Runs one input against fresh admin and capture servers; everything is
// released on return.
void run_admin_program(input_reader& in);

// Writes programs in the language above (for seeds).
class admin_program {
public:
    explicit admin_program(std::uint8_t config) { w_.u8(config); }
    admin_program& connect(std::uint8_t user);
    admin_program& request(std::uint8_t client, admin_request which);
    admin_program& send(std::uint8_t client, std::span<const std::uint8_t> bytes);
    admin_program& flood(std::uint8_t client, std::uint16_t len, std::uint8_t fill);
    admin_program& on_client(admin_op op, std::uint8_t client);  // receive, shut, hang_up
    admin_program& serve();
    admin_program& pump();
    admin_program& frames(std::uint8_t port, std::uint8_t count, std::uint16_t len, std::uint8_t first);  // count 1..8
    const std::vector<std::uint8_t>& data() const { return w_.data(); }

private:
    admin_program& op(admin_op o) {
        w_.u8(static_cast<std::uint8_t>(o));
        return *this;
    }
    input_writer w_;
};

}  // namespace shunt::fuzz
