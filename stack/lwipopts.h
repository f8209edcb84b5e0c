/*
 * shunt's lwIP configuration. lwIP 2.1.3 is compiled from Debian's `lwip`
 * source package with this file and stack/arch/cc.h; nothing of Debian's own
 * (Hurd) port or options is used.
 *
 * Contract: one lwIP instance runs on exactly one worker lcore (NO_SYS=1, raw
 * API only, no threads, no locks: SYS_LIGHTWEIGHT_PROT=0). Every allocation
 * goes through mem_malloc (MEMP_MEM_MALLOC) into shunt_lwip_malloc, which the
 * daemon points at DPDK memory; per-pool statistics stay on (MEMP_STATS).
 * tests/unit/lwip_options_test.cpp checks that these choices are in effect.
 */
#ifndef SHUNT_STACK_LWIPOPTS_H
#define SHUNT_STACK_LWIPOPTS_H

/* ---- system ------------------------------------------------------------ */
#define NO_SYS                      1
#define SYS_LIGHTWEIGHT_PROT        0
#define LWIP_TIMERS                 1
#define LWIP_NETCONN                0
#define LWIP_SOCKET                 0
#define LWIP_NETIF_API              0
#define LWIP_ERRNO_STDINCLUDE       1
#define LWIP_PROVIDE_ERRNO          0
/* shunt code includes both lwIP and libc headers: keep libc's htons & co. */
#define LWIP_DONT_PROVIDE_BYTEORDER_FUNCTIONS 1

/* ---- memory: everything through mem_malloc -> shunt_lwip_malloc ------- */
#define MEM_LIBC_MALLOC             1
#define MEMP_MEM_MALLOC             1
#define MEM_ALIGNMENT               8
/* Budget reported as the heap's "available"; > 64000 makes mem_size_t 32-bit. */
#define MEM_SIZE                    (64 * 1024 * 1024)
#ifdef __cplusplus
extern "C" {
#endif
void *shunt_lwip_malloc(unsigned long size);
void *shunt_lwip_calloc(unsigned long count, unsigned long size);
void shunt_lwip_free(void *ptr);
unsigned int shunt_lwip_rand(void);
#ifdef __cplusplus
}
#endif
#define mem_clib_malloc             shunt_lwip_malloc
#define mem_clib_calloc             shunt_lwip_calloc
#define mem_clib_free               shunt_lwip_free
#define LWIP_RAND()                 ((u32_t)shunt_lwip_rand())

/* Pool sizes are reporting caps only under MEMP_MEM_MALLOC, but lwIP's
 * sanity checks use them; sized for 10,000+ connections per instance. */
#define MEMP_NUM_TCP_PCB            16384
#define MEMP_NUM_TCP_PCB_LISTEN     1024
#define MEMP_NUM_UDP_PCB            4096
#define MEMP_NUM_RAW_PCB            16
#define MEMP_NUM_TCP_SEG            65535
#define MEMP_NUM_PBUF               65535
#define MEMP_NUM_REASSDATA          64
#define MEMP_NUM_FRAG_PBUF          256
#define MEMP_NUM_ARP_QUEUE          256
#define MEMP_NUM_SYS_TIMEOUT        (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 8)
#define PBUF_POOL_SIZE              4096
/* One Ethernet frame (1514) plus room for headers; mbuf data room matches. */
#define PBUF_POOL_BUFSIZE           2048
#define LWIP_SUPPORT_CUSTOM_PBUF    1
#define PBUF_LINK_HLEN              14
#define ETH_PAD_SIZE                0

/* ---- protocols --------------------------------------------------------- */
#define LWIP_IPV4                   1
#define LWIP_IPV6                   0
#define LWIP_ARP                    1
#define LWIP_ETHERNET               1
#define ARP_TABLE_SIZE              512
#define ARP_QUEUEING                1
#define ETHARP_SUPPORT_STATIC_ENTRIES 1
#define LWIP_ICMP                   1
#define LWIP_RAW                    1
#define LWIP_UDP                    1
#define LWIP_TCP                    1
#define LWIP_DHCP                   0
#define LWIP_AUTOIP                 0
#define LWIP_IGMP                   0
#define LWIP_DNS                    0
#define IP_FORWARD                  0
#define IP_REASSEMBLY               1
#define IP_FRAG                     1
/* Fragments held for reassembly, across all datagrams: a 64 KiB UDP datagram
   is 45 fragments at MTU 1500, so room for several at once (lwIP's default
   of 10 drops any datagram over ~14 KiB). They hold received mbufs. */
#define IP_REASS_MAX_PBUFS          256
#define IP_DEFAULT_TTL              64
#define SO_REUSE                    1
#define SO_REUSE_RXTOALL            1

/* ---- TCP: window scaling so a connection can fill a fast link ---------- */
/* The largest segment lwIP sends or accepts. A netif caps it at its MTU less
   40 (TCP_CALCULATE_EFF_SEND_MSS): 1460 on a 1500-byte wire, 8960 with a
   9000-byte MTU. The 127.0.0.1 loop interface has no MTU, so connections
   inside shuntd (SHUNT_LOOPBACK=1) move 16 KiB segments, about 11 times fewer
   than 1460-byte ones (Linux's loopback moves 64 KiB; lwIP's u16_t lengths
   leave no room for that once headers are added). */
#define TCP_MSS                     16344
/* The wire's usual MSS, for the limits sized in segments below. */
#define SHUNT_WIRE_MSS              1460
#define LWIP_WND_SCALE              1
#define TCP_RCV_SCALE               7
/* 1 MiB receive window (scaled). */
#define TCP_WND                     (1024 * 1024)
#define TCP_SND_BUF                 (1024 * 1024)
#define TCP_SND_QUEUELEN            (4 * TCP_SND_BUF / SHUNT_WIRE_MSS)
/* Only lwIP's netconn layer (not built) reads it; its sanity check wants it
   4 * TCP_MSS below 64 KiB. shuntd's writability is its rings'. */
#define TCP_SNDLOWAT                128
/* An explicit window update after the app frees 4 wire segments' worth, as
   before TCP_MSS grew (lwIP's default is 4 * TCP_MSS). */
#define TCP_WND_UPDATE_THRESHOLD    (4 * SHUNT_WIRE_MSS)
#define TCP_SNDQUEUELOWAT           (TCP_SND_QUEUELEN / 2)
#define TCP_QUEUE_OOSEQ             1
#define LWIP_TCP_SACK_OUT           1
#define LWIP_TCP_TIMESTAMPS         0
#define TCP_LISTEN_BACKLOG          1
/* lwIP holds a u8_t; the daemon enforces the app's listen() backlog itself. */
#define TCP_DEFAULT_LISTEN_BACKLOG  255
#define LWIP_TCP_KEEPALIVE          1
/* A small write allocates room for this much more, so the next small writes
   join its segment; a wire segment's size, not a loopback one's. */
#define TCP_OVERSIZE                SHUNT_WIRE_MSS
#define LWIP_TCP_MAX_SACK_NUM       4

/* ---- netif ------------------------------------------------------------- */
#define LWIP_NETIF_STATUS_CALLBACK  1
#define LWIP_NETIF_LINK_CALLBACK    1
#define LWIP_NETIF_HWADDRHINT       1
#define LWIP_CHECKSUM_CTRL_PER_NETIF 1
#define LWIP_NETIF_TX_SINGLE_PBUF   0
#define LWIP_SINGLE_NETIF           0
/* Traffic to one of shuntd's own addresses (an app under shunt talking to
   another through the daemon) and, with SHUNT_LOOPBACK=1, to 127.0.0.0/8
   stays inside lwIP: netif loopback plus the 127.0.0.1 loop interface. With
   NO_SYS=1 the worker drains the loop queue (netif_poll_all) every loop. */
#define LWIP_NETIF_LOOPBACK         1
#define LWIP_HAVE_LOOPIF            1
#define LWIP_LOOPBACK_MAX_PBUFS     0

/* ---- statistics: every pool and protocol counter is reported ----------- */
#define LWIP_STATS                  1
#define LWIP_STATS_DISPLAY          0
#define LINK_STATS                  1
#define ETHARP_STATS                1
#define IP_STATS                    1
#define IPFRAG_STATS                1
#define ICMP_STATS                  1
#define UDP_STATS                   1
#define TCP_STATS                   1
/* SNMP MIB-2 counters (no SNMP agent): TCP retransmitted segments, opens,
   resets; UDP datagrams without a listener. shuntctl stats shows them. */
#define MIB2_STATS                  1
#define MEM_STATS                   1
#define MEMP_STATS                  1
#define SYS_STATS                   0

/* ---- debugging (off; shunt logs through its own logger) --------------- */
#define LWIP_DEBUG                  0
#define LWIP_DBG_TYPES_ON           LWIP_DBG_OFF

#endif /* SHUNT_STACK_LWIPOPTS_H */
