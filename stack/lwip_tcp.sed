# shunt's fix to lwIP 2.1.3's tcp.c, applied at build time (the source stays
# Debian's, in third_party/). tcp_slowtmr asserted that a connection whose
# persist timer runs has unsent data and nothing in flight. An ACK that
# does not count as a window update (its seq is older than the last one that
# did, e.g. after an out-of-order segment closed the window) can still
# acknowledge the segments the persist timer was waiting to send (moved back
# to unsent by a retransmission timeout): the timer then ran with nothing to
# send and the assertion aborted shuntd (found by tests/fuzz/fuzz_rx, seed
# lwip_tcp_persist_with_nothing_unsent). The timer now stops instead, and the
# connection goes on with its ordinary retransmission timer.
/LWIP_ASSERT("tcp_slowtimr: persist ticking with in-flight data", pcb->unacked == NULL);/,/LWIP_ASSERT("tcp_slowtimr: persist ticking with empty send buffer", pcb->unsent != NULL);/c\
        if (pcb->unacked != NULL || pcb->unsent == NULL) {\
          /* shunt: nothing for the persist timer to send: it stops\
             (stack/lwip_tcp.sed). */\
          pcb->persist_backoff = 0;\
          pcb->persist_cnt = 0;\
          pcb->persist_probe = 0;\
        } else
