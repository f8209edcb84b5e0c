// What a TCP socket holds of lwIP's heap, charged to its app's account
// (daemon/stack_memory.hpp): received bytes waiting for ring room, written
// bytes not yet acknowledged (after close too, as an orphan), and the
// receive window promised to the peer. Worker lcore only.
#include "daemon/tcp_memory.hpp"

#include <algorithm>
#include <memory>

#include "daemon/session.hpp"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"

namespace shunt::daemon::tcp_memory {
namespace {

// Written bytes lwIP holds (unsent and unacknowledged): snd_buf, not
// tcp_sndbuf(), which clamps to 16 bits under window scaling.
std::uint64_t lwip_tx_held(const tcp_pcb* pcb) { return TCP_SND_BUF - pcb->snd_buf; }

// A connection the app let go of (closed, or left to lwIP in CLOSING) whose
// written bytes are not all acknowledged yet: they stay charged to the
// app's account (and its user's) until they are, or the connection dies,
// as Linux's orphaned sockets stay charged to tcp_mem. The account outlives
// the app's session if need be (shared_ptr).
struct orphan {
    std::shared_ptr<stack_memory_account> account;
    std::uint64_t held;
};

void orphan_forget(tcp_pcb* pcb) {
    tcp_arg(pcb, nullptr);
    tcp_sent(pcb, nullptr);
    tcp_err(pcb, nullptr);
}

err_t on_orphan_sent(void* arg, tcp_pcb* pcb, u16_t) {
    auto* o = static_cast<orphan*>(arg);
    if (!o) return ERR_OK;
    const std::uint64_t now = lwip_tx_held(pcb);
    o->account->charge(static_cast<std::int64_t>(now) - static_cast<std::int64_t>(o->held));
    o->held = now;
    if (now == 0) {
        orphan_forget(pcb);
        delete o;
    }
    return ERR_OK;
}

// lwIP freed the pcb (reset, timeout, LAST_ACK done, killed for memory).
void on_orphan_err(void* arg, err_t) {
    auto* o = static_cast<orphan*>(arg);
    if (!o) return;
    o->account->charge(-static_cast<std::int64_t>(o->held));
    delete o;
}

}  // namespace

// The socket's app account (daemon/stack_memory.hpp) follows what it holds.
void charge_rx(engine_socket& s, std::int64_t delta) {
    s.heap_rx = static_cast<std::uint64_t>(static_cast<std::int64_t>(s.heap_rx) + delta);
    s.owner->stack_memory().charge(delta);
}

void charge_tx(engine_socket& s) {
    const std::uint64_t now = s.pcb && !s.listener ? lwip_tx_held(s.pcb) : 0;
    if (now == s.heap_tx) return;
    s.owner->stack_memory().charge(static_cast<std::int64_t>(now) - static_cast<std::int64_t>(s.heap_tx));
    s.heap_tx = now;
}

// A connection's receive window starts as its SYN or SYN-ACK announced it
// (never scaled, so at most 64 KiB, though lwIP opens TCP_WND once window
// scaling is agreed) and is promised from the app's budget
// (daemon/stack_memory.hpp); grow_window widens it.
void start_window(engine_socket& s) {
    tcp_pcb* pcb = s.pcb;
    const tcpwnd_size_t first = TCPWND_MIN16(TCP_WND);
    if (pcb->rcv_wnd > first) {
        pcb->rcv_wnd = pcb->rcv_ann_wnd = first;
        pcb->rcv_ann_right_edge = pcb->rcv_nxt + first;  // what the peer was told
    }
    s.rcv_window = pcb->rcv_wnd;
    s.owner->stack_memory().promise(s.rcv_window);
}

// `moved` bytes went into the app's ring (and back into the window): the
// window grows by as much, up to lwIP's largest, while the app's budget can
// promise it (Linux's receive-buffer autotuning, below tcp_mem's pressure).
void grow_window(engine_socket& s, std::uint64_t moved) {
    if (!s.pcb || s.rcv_window == 0) return;
    const std::uint64_t most = TCP_WND_MAX(s.pcb);
    if (s.rcv_window >= most) return;
    stack_memory_account& m = s.owner->stack_memory();
    std::uint64_t grant = std::min({moved, most - s.rcv_window, m.window_room()});
    if (grant == 0) return;
    m.promise(static_cast<std::int64_t>(grant));
    s.rcv_window += static_cast<std::uint32_t>(grant);
    while (grant > 0) {
        const u16_t step = static_cast<u16_t>(std::min<std::uint64_t>(grant, 0xffff));
        tcp_recved(s.pcb, step);
        grant -= step;
    }
}

// The pcb is gone or no longer the socket's: its window is no promise now.
void end_window(engine_socket& s) {
    s.owner->stack_memory().promise(-static_cast<std::int64_t>(s.rcv_window));
    s.rcv_window = 0;
}


// Called with the socket's callbacks already detached and before any
// tcp_close of `pcb`: hands what the socket holds of lwIP's send memory to
// an orphan if lwIP will keep the pcb (and tell its callbacks when it goes),
// else lets go of it. Afterwards the socket holds nothing (heap_tx 0).
void orphan_charge(engine_socket& s, tcp_pcb* pcb) {
    const std::uint64_t held = pcb->state == LISTEN ? 0 : lwip_tx_held(pcb);
    // Freed by lwIP without a callback: at once by tcp_close (CLOSED and
    // SYN_SENT; ESTABLISHED or CLOSE_WAIT with received bytes not taken,
    // which it resets: tcp_close_shutdown), or at TIME_WAIT's end (nothing
    // is unacknowledged there).
    const bool reset_by_close = (pcb->state == ESTABLISHED || pcb->state == CLOSE_WAIT) &&
                                (pcb->refused_data != nullptr || pcb->rcv_wnd != TCP_WND_MAX(pcb));
    const bool kept = pcb->state != CLOSED && pcb->state != SYN_SENT && pcb->state != LISTEN &&
                      pcb->state != TIME_WAIT && !reset_by_close;
    stack_memory_account& account = s.owner->stack_memory();
    account.charge(static_cast<std::int64_t>(kept ? held : 0) - static_cast<std::int64_t>(s.heap_tx));
    s.heap_tx = 0;
    if (!kept || held == 0) return;
    tcp_arg(pcb, new orphan{s.owner->stack_memory_share(), held});
    tcp_sent(pcb, on_orphan_sent);
    tcp_err(pcb, on_orphan_err);
}


}  // namespace shunt::daemon::tcp_memory
