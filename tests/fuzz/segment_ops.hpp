// The segment fuzzer's input language. An input is a configuration byte and
// then a program of operations, each an opcode byte (taken modulo the number
// of operations) and fixed little-endian fields (fuzz_input.hpp: past the end
// of the input every field reads 0):
//
//   config        bit 0: the app is root (may bind ports below 1024)
//                 bit 1: a second app (session) shares the worker
//                 bit 2: --app-sockets 4 instead of 8
//                 bit 3: --app-memory of three sockets' rings
//   write         region u8, index u8, offset u32, len u8, bytes[len]
//                 scribbles into the app's mapping: region 0 header, 1 command
//                 ring indexes, 2 ring cells, 3 call slot[index], 4 socket
//                 table entry[index], 5 send ring[index], 6 receive ring[index],
//                 7 anywhere (offset modulo the region's size)
//   push          kind u8, index u8 (kind >= 8: a raw u64 value instead of index)
//   call          slot u8, flags u8, opcode u8, sock u8, addr, port u16, a i16, b i16, c i16
//                 flags bits 0-2: fd_kind of what goes on the control socket
//                 (open/accept only, or any opcode with bit 5); bit 3: the slot
//                 is `sleeping`; bit 4: no doorbell on the command ring
//   send          sock u8, len u16, fill u8, flags u8 (bit 0: no doorbell)
//   send_dgram    sock u8, len u16, addr, port u16, flags u8
//   recv          sock u8, len u16
//   recv_dgram    sock u8
//   clear_readable sock u8;  block_tx sock u8;  close_notify sock u8
//   reap; flush; audit; detach; drain_notify; hang_up
//   poll          budget u8
//   loop          count u8: worker loops (loopback, poll 64, a 250 ms timer step, flush, audit)
//   timers        steps u16 (modulo 1024)
//   junk          len u8, with_fd u8, bytes[len]: a malformed control message
//   select        app u8: later operations act on app (u8 & 1)
//   describe      what `shuntctl sockets` and `apps` read (session::describe_sockets, report)
//
// `addr` is a selector u8: 0 0.0.0.0, 1 127.0.0.1, 2 10.0.0.1 (the wire
// interface), 3 10.0.0.2 (its peer), 4 255.255.255.255, 5 127.0.0.2,
// 6 10.0.0.255, 7 224.0.0.1, 8 and above: a u32 address follows.
// Ports and addresses are given in host order and sent in network order.
#pragma once

#include <cstdint>
#include <span>

#include "tests/fuzz/fuzz_input.hpp"

namespace shunt::fuzz {

enum class seg_op : std::uint8_t {
    write,
    push,
    call,
    send,
    send_dgram,
    recv,
    recv_dgram,
    clear_readable,
    block_tx,
    close_notify,
    reap,
    flush,
    audit,
    detach,
    drain_notify,
    hang_up,
    poll,
    loop,
    timers,
    junk,
    select,
    describe,
    count
};

enum config_bits : std::uint8_t { cfg_root = 1, cfg_two_apps = 2, cfg_four_sockets = 4, cfg_memory_cap = 8 };
enum call_flags : std::uint8_t { call_sleeping = 8, call_no_doorbell = 16, call_fd_always = 32 };

// Runs one input against fresh sessions; everything is released on return.
void run_segment_program(input_reader& in);

// Writes programs in the language above (for seeds).
class segment_program {
public:
    explicit segment_program(std::uint8_t config) { w_.u8(config); }
    segment_program& call(std::uint8_t slot, std::uint8_t flags, std::uint8_t opcode, std::uint8_t sock,
                          std::uint8_t addr, std::uint16_t port, std::int16_t a = 0, std::int16_t b = 0,
                          std::int16_t c = 0);
    segment_program& send(std::uint8_t sock, std::uint16_t len, std::uint8_t fill = 'a');
    segment_program& send_dgram(std::uint8_t sock, std::uint16_t len, std::uint8_t addr, std::uint16_t port);
    segment_program& recv(std::uint8_t sock, std::uint16_t len);
    segment_program& recv_dgram(std::uint8_t sock);
    segment_program& loop(std::uint8_t n);
    segment_program& timers(std::uint16_t steps);
    segment_program& simple(seg_op op);                      // reap, flush, audit, detach, ...
    segment_program& on_socket(seg_op op, std::uint8_t sock);  // clear_readable, block_tx, close_notify
    segment_program& poll(std::uint8_t budget);
    segment_program& push(std::uint8_t kind, std::uint8_t index);
    segment_program& write(std::uint8_t region, std::uint8_t index, std::uint32_t offset,
                           std::span<const std::uint8_t> bytes);
    segment_program& select(std::uint8_t app);
    segment_program& junk(std::span<const std::uint8_t> msg, bool with_fd);
    const std::vector<std::uint8_t>& data() const { return w_.data(); }

private:
    input_writer w_;
};

}  // namespace shunt::fuzz
