// The readability handshake on socket_shared::rx_armed (docs/shm.md): the
// notify fd is readable while it holds a byte shuntd sent, and both sides
// agree through this word on whether such a byte is there.
//
// The low three bits are the state; the next is the `waiter` flag (an app
// thread sleeps on the word, FUTEX_WAIT, until shuntd's step ends: shuntd
// then FUTEX_WAKEs it); the bits above count the bytes shuntd has sent, so
// that an app's compare-exchange fails when a byte went out after it looked
// (no ABA between the app's drain and its clear):
//   idle     no byte; shuntd sends one when something becomes readable.
//   sending  shuntd claimed the send and is making it (within one worker
//            step); the app waits for it rather than drain a byte that is
//            not there yet, which would leave the byte behind on an empty
//            ring and a later poll would report a readiness that is not.
//   armed    the byte (or bytes: one per new edge) is in the fd.
//   rearm    the app cleared readability, then found data: it asks shuntd
//            (the rearm_rx doorbell) for a byte; it may cancel the request.
//   clearing shuntd claimed the drain of a readability the app left it (the
//            clear_rx doorbell) and is making it. shuntd sends nothing
//            meanwhile (one worker does both), so an app that must clear
//            and tires of waiting (shuntd may be preempted) drains too and
//            goes on; shuntd then finds nothing left and stores idle.
// Readability is cleared by the app (app_clear) or, when the app deferred it
// (the clear_rx doorbell), by shuntd, which holds the app's end too
// (daemon_claim_clear: armed -> clearing -> idle).
// Every transition is a seq_cst read-modify-write or store, so the app's
// look at the ring after clearing and shuntd's look before sending cannot
// both miss each other (the pairing the fences in flush/clear rely on).
// shuntd treats the word as untrusted: any value an app writes there only
// spoils that app's own readiness.
#pragma once

#include <time.h>

#include <atomic>
#include <climits>
#include <cstdint>

#include "shm/futex.hpp"

namespace shunt::shm::rx_flag {

constexpr std::uint32_t idle = 0, sending = 1, armed = 2, rearm = 3, clearing = 4;
constexpr std::uint32_t state_mask = 7, waiter = 8, one_sent = 16;

constexpr std::uint32_t state(std::uint32_t v) { return v & state_mask; }
constexpr std::uint32_t with_state(std::uint32_t v, std::uint32_t st) { return (v & ~state_mask) | st; }

// Whether the fd may be readable (a byte is there, coming, or asked for).
inline bool set(const std::atomic<std::uint32_t>& f) { return state(f.load(std::memory_order_seq_cst)) != idle; }

// shuntd: claims the send of a byte when the fd is idle or a rearm is asked
// for, or, for a new edge (`new_edge`), when it is armed already. On true,
// `was` holds the value before; shuntd then sends when something is still
// readable and calls daemon_finish.
// A bounded number of tries: the word is the app's to write, and an app that
// keeps changing it must not hold the worker here (it only spoils its own
// readiness; an honest app changes it a few times at most meanwhile).
constexpr int k_claim_tries = 64;
inline bool daemon_claim(std::atomic<std::uint32_t>& f, bool new_edge, std::uint32_t& was) {
    std::uint32_t v = f.load(std::memory_order_seq_cst);
    for (int tries = 0; tries < k_claim_tries; ++tries) {
        const std::uint32_t st = state(v);
        if (st == sending || (st == armed && !new_edge)) return false;
        if (f.compare_exchange_weak(v, with_state(v, sending), std::memory_order_seq_cst)) {
            was = v;
            return true;
        }
    }
    return false;
}

// Ends shuntd's step: the word becomes `next`, and an app thread that
// announced it sleeps on it meanwhile (waiter) is woken. The exchange pairs
// with the app's compare-exchange that set `waiter`: one of them sees the other.
inline void daemon_end_step(std::atomic<std::uint32_t>& f, std::uint32_t next) {
    if (f.exchange(next & ~waiter, std::memory_order_seq_cst) & waiter) futex_wake(&f, INT_MAX);
}

// shuntd, after a claim: armed (one more byte counted) when it sent, else
// back to what was there (idle for a rearm nothing justifies any more).
inline void daemon_finish(std::atomic<std::uint32_t>& f, std::uint32_t was, bool sent) {
    std::uint32_t next;
    if (sent) next = with_state(was + one_sent, armed);
    else next = state(was) == rearm ? with_state(was, idle) : was;
    daemon_end_step(f, next);
}

// shuntd, for a deferred clear: claims the drain of the app's end when the
// fd is armed (bytes are in it). shuntd then drains only if nothing is
// readable (it is the only producer of the ring, so what it sees empty stays
// empty until it fills it) and calls daemon_finish_clear. One CAS, no loop:
// a word the app keeps changing makes shuntd skip this clear, never spin.
inline bool daemon_claim_clear(std::atomic<std::uint32_t>& f, std::uint32_t& was) {
    std::uint32_t v = f.load(std::memory_order_seq_cst);
    if (state(v) != armed) return false;
    if (!f.compare_exchange_strong(v, with_state(v, clearing), std::memory_order_seq_cst)) return false;
    was = v;
    return true;
}

// shuntd, after daemon_claim_clear: idle when it drained (the count of bytes
// sent stays, so an app's compare-exchange on an older armed value fails),
// else armed as before.
inline void daemon_finish_clear(std::atomic<std::uint32_t>& f, std::uint32_t was, bool drained) {
    daemon_end_step(f, drained ? with_state(was, idle) : was);
}

// The app, waiting for shuntd's step (sending, clearing) to end: announces
// it (waiter) and sleeps on the word for at most `timeout`. Returns at once
// if the step has ended. A thread preempted by the very app its send woke
// gets the CPU back this way, where a spin or a yield may not give it.
inline void app_sleep_on_step(std::atomic<std::uint32_t>& f, const timespec& timeout) {
    std::uint32_t v = f.load(std::memory_order_seq_cst);
    const std::uint32_t st = state(v);
    if (st != sending && st != clearing) return;
    if (!(v & waiter) && !f.compare_exchange_strong(v, v | waiter, std::memory_order_seq_cst)) return;
    (void)futex_wait(&f, v | waiter, &timeout);
}

// The app: readability ends. Drains the fd's byte(s) (drain()) and moves the
// word to idle, waiting out a send in progress (wait(round) returns false to
// give up: shuntd stopped mid-send, the worst left is a spurious wakeup) or
// a clear of shuntd's (giving up, the app drains beside it).
template <typename Drain, typename Wait>
void app_clear(std::atomic<std::uint32_t>& f, Drain&& drain, Wait&& wait) {
    for (int round = 0;; ++round) {
        std::uint32_t v = f.load(std::memory_order_seq_cst);
        switch (state(v)) {
            case idle: return;
            case sending:
                if (!wait(round)) return;
                continue;
            case rearm:  // nothing sent yet: withdraw the request
                if (f.compare_exchange_strong(v, with_state(v, idle), std::memory_order_seq_cst)) return;
                continue;
            case clearing:  // shuntd is draining, and sends nothing until it is done
                if (wait(round)) continue;
                drain();
                return;
            default:  // armed: every byte counted in v is in the fd by now
                drain();
                if (f.compare_exchange_strong(v, with_state(v, idle), std::memory_order_seq_cst)) return;
                continue;  // another byte went out meanwhile: drain it too
        }
    }
}

// The app found data after clearing: true when it must ring rearm_rx (it
// moved idle to rearm); false when shuntd has claimed or sent a byte since.
inline bool app_request_rearm(std::atomic<std::uint32_t>& f) {
    std::uint32_t v = f.load(std::memory_order_seq_cst);
    return state(v) == idle && f.compare_exchange_strong(v, with_state(v, rearm), std::memory_order_seq_cst);
}

}  // namespace shunt::shm::rx_flag
