# shunt's fixes to lwIP 2.1.3's tcp_in.c, applied at build time (the source
# stays Debian's, in third_party/): tcp_receive trims a segment's first edge
# when rcv_nxt lies inside it, but a segment starting near rcv_nxt + 2^31
# also passes its TCP_SEQ_BETWEEN test and the offset is then ~2^31, which
# lwIP only asserts against -- one packet from any peer aborted shuntd
# (found by tests/fuzz/fuzz_rx). Such a segment is now dropped.
/LWIP_ASSERT("insane offset!", (off32 < 0xffff));/c\
      /* shunt: an impossible offset (a segment near rcv_nxt + 2^31) is\
         dropped instead of asserted on (stack/lwip_tcp_in.sed). */\
      if (off32 >= 0xffff || (u32_t)inseg.p->tot_len < off32) {\
        TCP_STATS_INC(tcp.drop);\
        return;\
      }

# tcp_receive queued an out-of-order segment carrying SYN (in SYN_RCVD, a
# SYN|ACK with data completes the handshake and its data goes on) on ooseq,
# where a SYN counts one more in sequence space than lwIP's later arithmetic
# allows for: an in-order segment then found the queue's head starting
# before it, "trimmed" itself to a negative length and failed
# LWIP_ASSERT("tcp_receive: segment not trimmed correctly to ooseq queue")
# -- a few segments from any peer aborted shuntd (found by tests/fuzz/fuzz_rx,
# seed lwip_tcp_syn_on_ooseq). Such a segment is no longer queued (a receiver
# may drop out-of-order data: the sender retransmits it), and an in-order
# segment drops any queued segment that does not start after it.
/We queue the segment on the ->ooseq queue/{
n
s/if (pcb->ooseq == NULL) {/if (TCPH_FLAGS(inseg.tcphdr) \& TCP_SYN) {\
          \/* shunt: no SYN on ooseq (stack\/lwip_tcp_in.sed). *\/\
        } else if (pcb->ooseq == NULL) {/
}
/struct tcp_seg \*next = pcb->ooseq;/a\
            /* shunt: a queued segment must start after inseg; one that does\
               not is dropped (stack/lwip_tcp_in.sed). */\
            while (next && TCP_SEQ_LEQ(next->tcphdr->seqno, seqno)) {\
              struct tcp_seg *stale = next;\
              next = next->next;\
              tcp_seg_free(stale);\
            }

# A new SYN on a connection in TIME_WAIT: lwIP answered it with a bare ACK
# (or an RST when in window), so a client that reused its port soon after
# shuntd's side closed first (nginx closing a short HTTP connection) was
# refused until the 2 MSL timer ran out; the client answered each ACK with
# an RST and retried its SYN a second later. Linux takes such a SYN as a new
# connection when it carries no ACK and its sequence number is after the
# old connection's rcv_nxt (RFC 6191 without timestamps, which this build
# does not use; tcp_timewait_state_process()'s TCP_TW_SYN), and so does
# shuntd now: the TIME_WAIT pcb is freed and the SYN goes on to the
# listeners (a port nobody listens on any more answers RST, as before).
# tcp_timewait_input says so in shunt_tw_syn. (Debian's lwIP source has
# CRLF line ends: the patterns allow the \r.)
/^static void tcp_timewait_input(struct tcp_pcb \*pcb);/a\
/* shunt: set by tcp_timewait_input for a SYN that opens a new connection\
   on a TIME_WAIT pcb's ports (stack/lwip_tcp_in.sed). */\
static u8_t shunt_tw_syn;
/^  if (flags & TCP_SYN) {\r\{0,1\}$/a\
    /* shunt: a new connection's SYN (stack/lwip_tcp_in.sed). */\
    if (!(flags & TCP_ACK) && TCP_SEQ_GT(seqno, pcb->rcv_nxt)) {\
      shunt_tw_syn = 1;\
      return;\
    }
/^          tcp_timewait_input(pcb);\r\{0,1\}$/c\
          shunt_tw_syn = 0;\
          tcp_timewait_input(pcb);\
          if (shunt_tw_syn) {\
            /* shunt: the TIME_WAIT pcb gives way to a new connection\
               (stack/lwip_tcp_in.sed); the SYN goes to the listeners. */\
            tcp_pcb_remove(&tcp_tw_pcbs, pcb);\
            tcp_free(pcb);\
            pcb = NULL;\
            break;\
          }

# Issue 20 item 6: the data of a segment is taken only if shuntd admits it
# (daemon/stack_memory.hpp): an app over its budget of lwIP's heap gets
# nothing more queued for it. An unadmitted segment's data (and FIN) is
# dropped before it is acknowledged, as Linux drops a segment it has no
# receive memory for (tcp_data_queue, TCPRcvQDrop): the peer retransmits it.
# Its ACK and window were processed before, as Linux's are. NULL (tests
# without shuntd's sockets): everything is taken, as lwIP does.
/^static void tcp_receive(struct tcp_pcb \*pcb);/a\
/* shunt: stack/lwip_tcp_in.sed; defined in stack/lwip_platform.cpp. */\
typedef u8_t (*shunt_tcp_rx_admit_fn)(struct tcp_pcb *pcb, u32_t seqno, u16_t len);\
extern shunt_tcp_rx_admit_fn shunt_tcp_rx_admit;
s/^  if ((tcplen > 0) && (pcb->state < CLOSE_WAIT)) {/  if ((tcplen > 0) \&\& (pcb->state < CLOSE_WAIT) \&\&\
      (shunt_tcp_rx_admit == NULL || shunt_tcp_rx_admit(pcb, seqno, tcplen))) {/

# Issue 18: a full accept queue refuses the handshake the way Linux does
# (tcp_conn_request's LISTENOVERFLOWS, tcp_check_req's listen_overflow with
# tcp_abort_on_overflow = 0): a SYN to a listener whose app's queue is full
# is dropped (the client retransmits it), and so is the final ACK of a
# handshake that would join a full queue (the pcb stays in SYN_RCVD, its
# SYN-ACK is retransmitted and the client's next ACK tries again). lwIP
# answered the ACK by calling accept, and shuntd, with no room, reset an
# established connection. shuntd says whether the queue is full
# (daemon/tcp_socket.cpp); NULL (tests without shuntd): as lwIP does.
/^static void tcp_receive(struct tcp_pcb \*pcb);/a\
/* shunt: stack/lwip_tcp_in.sed; defined in stack/lwip_platform.cpp. */\
typedef u8_t (*shunt_tcp_accept_full_fn)(struct tcp_pcb_listen *lpcb, u32_t remote_addr, u16_t remote_port);\
extern shunt_tcp_accept_full_fn shunt_tcp_accept_full;
/^    npcb = tcp_alloc(pcb->prio);/i\
    /* shunt: no SYN-ACK while the accept queue is full (stack/lwip_tcp_in.sed). */\
    if (shunt_tcp_accept_full != NULL &&\
        shunt_tcp_accept_full(pcb, ip4_addr_get_u32(ip_2_ip4(ip_current_src_addr())), tcphdr->src)) {\
      TCP_STATS_INC(tcp.drop);\
      return;\
    }
/^    case SYN_RCVD:/,/^          pcb->state = ESTABLISHED;/{
/^          pcb->state = ESTABLISHED;/i\
          /* shunt: the handshake waits while the accept queue is full\
             (stack/lwip_tcp_in.sed): the ACK is dropped. */\
          if (shunt_tcp_accept_full != NULL && pcb->listener != NULL &&\
              shunt_tcp_accept_full(pcb->listener, ip4_addr_get_u32(ip_2_ip4(&pcb->remote_ip)), pcb->remote_port)) {\
            TCP_STATS_INC(tcp.drop);\
            return ERR_OK;\
          }
}
