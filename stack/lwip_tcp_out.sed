# shunt's fix to lwIP 2.1.3's tcp_out.c, applied at build time (the source
# stays Debian's, in third_party/). tcp_write caps a segment at
# mss_local = min(mss, snd_wnd_max / 2), or mss when that is 0; a peer whose
# SYN-ACK offers a zero window and whose next segment offers a small one
# shrinks mss_local below a segment already queued, and lwIP only asserted
# that it could not -- two segments from any peer aborted shuntd (found by
# tests/fuzz/fuzz_rx, seed lwip_tcp_window_shrinks_mss). The last unsent
# segment now keeps the room it was built with (its length plus its
# oversize); new segments still obey the smaller mss_local.
/LWIP_ASSERT("mss_local is too small", mss_local >= last_unsent->len + unsent_optlen);/,/space = mss_local - (last_unsent->len + unsent_optlen);/c\
    /* shunt: a shrunken mss_local leaves the last segment its room\
       (stack/lwip_tcp_out.sed). */\
    {\
      u16_t used = (u16_t)(last_unsent->len + unsent_optlen);\
      u16_t room = LWIP_MAX(mss_local, (u16_t)(used + pcb->unsent_oversize));\
      space = (u16_t)(room - used);\
    }
