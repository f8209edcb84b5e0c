// Seed programs for fuzz_segment: sensible sessions the fuzzer starts from
// (fuzz_segment --write-seeds DIR writes them; ./dev fuzz does so).
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <string>
#include <vector>

#include "shm/protocol.hpp"
#include "tests/fuzz/seed_files.hpp"
#include "tests/fuzz/segment_ops.hpp"

namespace shunt::fuzz {
namespace {

constexpr std::uint8_t op(shm::op o) { return static_cast<std::uint8_t>(o); }
constexpr std::uint8_t k_any = 0, k_lo = 1, k_wire = 2, k_peer = 3;
constexpr std::uint8_t k_sleep = call_sleeping;

// Calls with a loop and a reap after each, as a blocking app would see them.
segment_program& settle(segment_program& p, std::uint8_t loops = 1) {
    return p.loop(loops).simple(seg_op::reap);
}

// Socket ids are handed out lowest first: 0, 1, ... (session::alloc_socket),
// so a program can name the sockets its opens and accepts will get.
segment_program tcp_pair(std::uint8_t config = 0) {
    segment_program p(config);
    p.call(0, 0, op(shm::op::open), 0, k_any, 0, SOCK_STREAM, 10);  // id 0
    settle(p);
    p.call(1, 0, op(shm::op::bind), 0, k_lo, 5000);
    p.call(2, 0, op(shm::op::listen), 0, k_any, 0, 8);
    p.call(3, k_sleep, op(shm::op::open), 0, k_any, 0, SOCK_STREAM, 11);  // id 1
    settle(p);
    p.call(4, 0, op(shm::op::connect), 1, k_lo, 5000);
    settle(p, 4);
    p.call(5, 0, op(shm::op::accept), 0, k_any, 0, 0, 12);  // id 2
    settle(p, 2);
    return p;
}

named_inputs programs() {
    named_inputs out;

    {  // open, bind, listen; open, connect to it; accept; bytes both ways; close
        auto p = tcp_pair();
        p.send(1, 300).loop(2).recv(2, 300).send(2, 120, 'b').loop(2).recv(1, 4096);
        p.on_socket(seg_op::clear_readable, 1).on_socket(seg_op::block_tx, 2);
        p.call(0, 0, op(shm::op::close), 1, k_any, 0);
        settle(p, 2);
        p.call(1, 0, op(shm::op::close), 2, k_any, 0);
        p.call(2, 0, op(shm::op::close), 0, k_any, 0);
        settle(p, 4).timers(600).simple(seg_op::audit);
        out.emplace_back("tcp_echo", p.data());
    }
    {  // a full receive ring: rx_full, the app reads, rx_space; shutdown(SHUT_WR)
        auto p = tcp_pair();
        for (int i = 0; i < 4; ++i) p.send(1, 4096, static_cast<std::uint8_t>('c' + i)).loop(3);
        p.recv(2, 1000).loop(2).recv(2, 4096).loop(2).recv(2, 4096).loop(2);
        p.call(0, 0, op(shm::op::shutdown), 1, k_any, 0, SHUT_WR);
        settle(p, 3).recv(2, 4096).loop(2);
        p.call(1, 0, op(shm::op::close), 2, k_any, 0, 1);  // abort: RST
        settle(p, 3).timers(20);
        out.emplace_back("tcp_full_ring", p.data());
    }
    {  // options and names
        auto p = tcp_pair(cfg_root);
        p.call(0, 0, op(shm::op::setopt), 1, k_any, 0, IPPROTO_TCP, TCP_NODELAY, 1);
        p.call(1, 0, op(shm::op::setopt), 1, k_any, 0, SOL_SOCKET, SO_KEEPALIVE, 1);
        p.call(2, 0, op(shm::op::setopt), 1, k_any, 0, IPPROTO_TCP, TCP_KEEPIDLE, 1);
        p.call(3, 0, op(shm::op::getopt), 1, k_any, 0, IPPROTO_TCP, TCP_INFO);
        p.call(4, 0, op(shm::op::getopt), 0, k_any, 0, SOL_SOCKET, SO_ACCEPTCONN);
        p.call(5, 0, op(shm::op::names), 2, k_any, 0);
        p.call(6, 0, op(shm::op::getopt), 1, k_any, 0, IPPROTO_TCP, TCP_MAXSEG);
        settle(p, 2).simple(seg_op::describe).timers(40);
        out.emplace_back("tcp_options", p.data());
    }
    {  // UDP: bind, sendto, connect, send, receive, close
        segment_program p(0);
        p.call(0, 0, op(shm::op::open), 0, k_any, 0, SOCK_DGRAM, 20);
        p.call(1, 0, op(shm::op::open), 0, k_any, 0, SOCK_DGRAM, 21);
        settle(p);
        p.call(2, 0, op(shm::op::bind), 0, k_lo, 6000);
        p.call(3, 0, op(shm::op::connect), 1, k_lo, 6000);
        settle(p);
        p.send_dgram(1, 100, k_lo, 6000).send_dgram(1, 1400, k_any, 0).send_dgram(1, 3000, k_lo, 6000);
        settle(p, 3).recv_dgram(0).recv_dgram(0).recv_dgram(0).simple(seg_op::describe);
        p.send_dgram(0, 10, k_peer, 53).send_dgram(0, 10, 4, 9);
        p.call(4, 0, op(shm::op::names), 1, k_any, 0);
        p.call(5, 0, op(shm::op::close), 1, k_any, 0);
        p.call(6, 0, op(shm::op::close), 0, k_any, 0);
        settle(p, 2);
        out.emplace_back("udp", p.data());
    }
    {  // a connection out of the wire interface that nobody answers: SYN retransmissions
        segment_program p(0);
        p.call(0, 0, op(shm::op::open), 0, k_any, 0, SOCK_STREAM, 30);
        settle(p);
        p.call(1, 0, op(shm::op::bind), 0, k_wire, 0);
        p.call(2, 0, op(shm::op::connect), 0, k_peer, 80);
        settle(p).send(0, 500).timers(200).loop(2);
        p.call(3, 0, op(shm::op::close), 0, k_any, 0);
        settle(p);
        out.emplace_back("tcp_unanswered", p.data());
    }
    {  // two apps: one listens, the other connects; the listener's app goes away
        segment_program p(cfg_two_apps);
        p.call(0, 0, op(shm::op::open), 0, k_any, 0, SOCK_STREAM, 40);
        settle(p);
        p.call(1, 0, op(shm::op::bind), 0, k_lo, 7000).call(2, 0, op(shm::op::listen), 0, k_any, 0, 4);
        settle(p).select(1);
        p.call(0, 0, op(shm::op::open), 0, k_any, 0, SOCK_STREAM, 41);
        settle(p);
        p.call(1, 0, op(shm::op::connect), 0, k_lo, 7000);
        settle(p, 3).send(0, 2000).loop(3).select(0);
        p.call(4, 0, op(shm::op::accept), 0, k_any, 0, 0, 42);
        settle(p, 2).recv(1, 4096).send(1, 64).simple(seg_op::detach).loop(4).select(1).recv(0, 4096);
        p.call(2, 0, op(shm::op::close), 0, k_any, 0);
        settle(p, 4).timers(500);
        out.emplace_back("two_apps", p.data());
    }
    {  // a closed socket drains its send ring after the app detaches
        auto p = tcp_pair();
        p.send(1, 4096).send(1, 4096);
        p.call(0, 0, op(shm::op::close), 1, k_any, 0);
        p.poll(8).simple(seg_op::detach).loop(8).timers(100);
        out.emplace_back("detach_draining", p.data());
    }
    {  // protocol violations the daemon must survive (each ends the session)
        auto p = tcp_pair();
        const std::uint8_t tail_jump[8] = {0, 0, 0, 0, 0, 0, 1, 0};
        p.write(4, 1, 0, tail_jump).push(2, 1).loop(2);  // send ring tail 2^48 ahead
        out.emplace_back("bad_tx_tail", p.data());
        segment_program q(0);
        q.call(0, 1, op(shm::op::open), 0, k_any, 0, SOCK_STREAM);  // no notify fd
        q.loop(1);
        out.emplace_back("open_without_fd", q.data());
        segment_program r(0);
        r.push(1, 200).loop(1);  // call slot out of range
        out.emplace_back("slot_out_of_range", r.data());
        segment_program s(0);
        const std::uint8_t junk[4] = {1, 2, 3, 4};
        s.write(0, 0, 8, junk).simple(seg_op::audit);  // header overwritten
        out.emplace_back("header_scribble", s.data());
        // An empty control message carrying an fd, then a call that looks
        // for its notify fd: shuntd leaked the fd before session.cpp's take_fd
        // told an empty message from a hang-up (found by this fuzzer).
        segment_program t(0);
        t.junk({}, true).call(0, 0, op(shm::op::open), 0, k_any, 0, SOCK_STREAM).loop(1);
        out.emplace_back("empty_message_with_fd", t.data());
    }
    return out;
}

}  // namespace

int write_segment_seeds(const char* dir) { return write_seed_files("fuzz_segment", dir, programs()); }

}  // namespace shunt::fuzz
