# shunt's fix to lwIP 2.1.3's tcp_in.c, applied at build time (the source
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
