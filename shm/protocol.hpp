// The app <-> daemon control protocol as it sits in shared memory: commands
// posted into call slots, their completions, doorbells, and the attach
// messages on the control socket. Plain, fixed-size, pointer-free structs;
// the daemon decodes a command into a typed request (daemon/request.hpp)
// only after copying it out of the segment and validating it.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace shunt::shm {

constexpr std::uint64_t k_segment_magic = 0x4745534e55484853ull;  // "SHUNHSEG"
// 2: the wake message; 3: both notify ends, clear_rx; 4: holders (op::hold, command::holder)
constexpr std::uint32_t k_protocol_version = 4;

enum class op : std::uint32_t {
    open = 1,      // tag: the notify fds sent on the control socket (fd_message); a = SOCK_STREAM|SOCK_DGRAM;
                   // b = the app's fd number (shown by shuntctl sockets, never trusted)
    bind = 2,      // sock, addr, port
    listen = 3,    // sock, a = backlog
    connect = 4,   // sock, addr, port; completes at once: 0 or -EINPROGRESS
    accept = 5,    // sock = listener, tag = notify fds for the new socket, b = its fd number
    shutdown = 6,  // sock, a = SHUT_RD|SHUT_WR|SHUT_RDWR
    close = 7,     // sock, a = 1: abort (SO_LINGER 0, RST)
    setopt = 8,    // sock, a = level, b = name, c = int value
    getopt = 9,    // sock, a = level, b = name -> value
    names = 10,    // sock -> local and peer address
    kernel_socket = 11,  // sock (UDP); a = 0: tag = the app's kernel UDP socket on the same port,
                         // whose datagrams shuntd delivers into the socket's ring (0.0.0.0 on
                         // both stacks); a = 1: shuntd lets go of it (no fd)
    hold = 12,  // the caller forks (daemon/socket_holders.hpp): tag = the daemon's end of the child's
                // holder pair, then (while the caller is still the attacher, holder 0) the daemon's end
                // of its own; -> sock = the child's holder, value = the caller's from now on
};
constexpr std::uint32_t k_op_max = 12;

// Addresses and ports are in network byte order throughout, as in sockaddr_in.
struct command {
    std::uint32_t opcode;
    std::uint32_t sock;
    std::uint64_t tag;
    std::uint32_t addr;
    std::uint16_t port;
    std::uint16_t pad;
    std::int32_t a;
    std::int32_t b;
    std::int32_t c;
    // The calling process's holder (daemon/socket_holders.hpp): who opens,
    // accepts, closes or forks; 0 for the process that attached, until its
    // first fork. libshunt's channel::call fills it in.
    std::uint32_t holder;
};
static_assert(std::is_trivially_copyable_v<command> && sizeof(command) == 40);

struct completion {
    std::int64_t result;  // >= 0 success value, else -errno
    std::uint32_t sock;   // open/accept: the new socket's id
    std::int32_t value;   // getopt: the option's value
    std::uint32_t local_addr;
    std::uint32_t peer_addr;
    std::uint16_t local_port;
    std::uint16_t peer_port;
    std::uint32_t pad;
};
static_assert(std::is_trivially_copyable_v<completion> && sizeof(completion) == 32);

// One in-flight call. The app claims a free slot (CAS free -> owned), fills
// `cmd`, stores `posted` and rings the command ring with the slot's index;
// the daemon copies `cmd` out, executes it, fills `cpl` and stores `done`
// (release; the app's acquire load of `state` pairs with it). An app thread
// that goes to sleep first moves posted -> sleeping so the daemon knows to
// FUTEX_WAKE. The slot index plus its generation is the call's correlation id.
enum call_state : std::uint32_t { call_free = 0, call_owned = 1, call_posted = 2, call_sleeping = 3, call_done = 4 };

struct alignas(128) call_slot {
    std::atomic<std::uint32_t> state;
    std::uint32_t generation;  // bumped by the app on every claim
    command cmd;
    completion cpl;
};
static_assert(sizeof(call_slot) == 128);

// Values on the command ring: a kind in the top byte, an index below.
enum class ring_kind : std::uint8_t {
    call = 1,       // index: a call slot whose state is `posted`/`sleeping`
    tx_ready = 2,   // index: socket whose send ring gained bytes while tx_pending was 0
    rx_space = 3,   // index: socket whose receive ring the app drained while rx_full was 1
    rearm_rx = 4,   // index: the app cleared readability but bytes remain
    drain_tx = 5,   // index: the app blocked writability but the ring has room again
    clear_rx = 6,   // index: the app emptied the receive ring of a readable socket and
                    // left its fd readable: shuntd clears it (rx_flag::daemon_claim_clear)
};
constexpr std::uint64_t ring_value(ring_kind k, std::uint32_t index) {
    return (static_cast<std::uint64_t>(k) << 56) | index;
}
constexpr ring_kind ring_value_kind(std::uint64_t v) { return static_cast<ring_kind>(v >> 56); }
constexpr std::uint32_t ring_value_index(std::uint64_t v) { return static_cast<std::uint32_t>(v); }

// --- Attach, on the control socket (AF_UNIX SOCK_SEQPACKET) -----------------
// app -> daemon, first message.
struct attach_request {
    std::uint64_t magic;
    std::uint32_t version;
    std::uint32_t pad;
};
// daemon -> app, the reply; the segment's memfd rides along (SCM_RIGHTS) when
// status == 0.
struct attach_reply {
    std::uint64_t magic;
    std::uint32_t version;
    std::int32_t status;  // 0 or an errno (EACCES: refused by policy; EMFILE: too many apps)
    std::uint64_t segment_size;
    std::uint64_t session;
};
// app -> daemon, later: a socket's notify fds (SCM_RIGHTS) announced by tag;
// the command that uses them names the same tag. The daemon's end of the
// pair comes first; the app's own end may follow, which lets the worker
// clear the fd's readability without the app (shm/notify.hpp). Without it
// the app alone clears (tests' fake apps send one).
struct fd_message {
    std::uint64_t tag;
};
// app -> daemon, later: "the command ring has entries", sent (write(2), no
// fd) by the producer that found the worker asleep (index_ring_producer::
// wants_wake). Its size alone tells it from an fd_message; the worker reads
// and drops it (daemon/session.cpp drain_control).
struct wake_message {
    std::uint32_t magic;
};
constexpr std::uint32_t k_wake_magic = 0x454b4157u;  // "WAKE"
static_assert(sizeof(wake_message) != sizeof(fd_message));

}  // namespace shunt::shm
