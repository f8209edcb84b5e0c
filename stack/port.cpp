#include "stack/port.hpp"

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "base/log.hpp"
#include "stack/port_wake.hpp"

namespace shunt::stack {
namespace {

constexpr std::uint16_t k_rx_desc = 1024;
constexpr std::uint16_t k_tx_desc = 1024;

error dpdk_error(int rc, const std::string& what) {
    const int code = rc < 0 ? -rc : (rte_errno ? rte_errno : EIO);
    return make_error(code, what + ": " + rte_strerror(code));
}

}  // namespace

result<std::unique_ptr<dpdk_port>> dpdk_port::open(const std::string& name, rte_mempool* pool,
                                                   std::uint16_t mtu) {
    std::uint16_t id = 0;
    if (rte_eth_dev_get_port_by_name(name.c_str(), &id) != 0)
        return make_error(ENODEV, "port '" + name + "' was not probed by DPDK (check its devargs and driver)");

    std::unique_ptr<dpdk_port> port(new dpdk_port());
    port->id_ = id;
    port->name_ = name;
    port->mtu_ = mtu;

    rte_eth_dev_info info{};
    if (int rc = rte_eth_dev_info_get(id, &info); rc != 0) return dpdk_error(rc, name + ": device info");
    port->driver_ = info.driver_name ? info.driver_name : "?";

    // TX checksum offloads the port advertises are used (the netif then
    // leaves those checksums to the NIC, see stack/csum_offload.hpp); so is
    // RX checksum offload when the port checks all three of IPv4, TCP and
    // UDP: lwIP then skips, frame by frame, the checks the NIC vouched for.
    // Virtual ports (AF_XDP, AF_PACKET on veth) advertise none.
    rte_eth_conf conf{};
    constexpr std::uint64_t rx_all =
        RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM;
    port->rx_csum_ = (info.rx_offload_capa & rx_all) == rx_all;
    if (port->rx_csum_) conf.rxmode.offloads |= rx_all;
    port->csum_.ipv4 = info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
    port->csum_.tcp = info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
    port->csum_.udp = info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
    if (port->csum_.ipv4) conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
    if (port->csum_.tcp) conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
    if (port->csum_.udp) conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
    // RX interrupts are asked for where DPDK has them (net_tap, net_memif,
    // most PCI NICs) so an idle worker can sleep; a port whose start fails
    // with them is brought up again without.
    const std::vector<int> sockets_before = socket_fds();
    auto up = port->bring_up(conf, info, pool, true);
    if (!up) {
        rte_eth_dev_stop(id);
        up = port->bring_up(conf, info, pool, false);
    }
    if (!up) return up.err();
    port->started_ = true;
    port->find_rx_wake(sockets_before, info.if_index);

    rte_ether_addr mac{};
    if (int rc = rte_eth_macaddr_get(id, &mac); rc != 0) return dpdk_error(rc, name + ": MAC address");
    std::copy(std::begin(mac.addr_bytes), std::end(mac.addr_bytes), port->mac_.begin());
    // Frames to lwIP's broadcast and ARP need no promiscuous mode; multicast
    // stays off (no IGMP in this build).
    return port;
}

result<void> dpdk_port::bring_up(rte_eth_conf conf, const rte_eth_dev_info& info, rte_mempool* pool, bool rx_intr) {
    const std::uint16_t mtu = mtu_;
    conf.intr_conf.rxq = rx_intr ? 1 : 0;
    if (int rc = rte_eth_dev_configure(id_, 1, 1, &conf); rc != 0)
        return dpdk_error(rc, name_ + ": configure");

    std::uint16_t nb_rx = k_rx_desc, nb_tx = k_tx_desc;
    if (int rc = rte_eth_dev_adjust_nb_rx_tx_desc(id_, &nb_rx, &nb_tx); rc != 0)
        return dpdk_error(rc, name_ + ": descriptor counts");
    const int socket = rte_eth_dev_socket_id(id_);
    const unsigned sock = socket < 0 ? SOCKET_ID_ANY : static_cast<unsigned>(socket);
    rte_eth_rxconf rxq = info.default_rxconf;
    rxq.offloads = conf.rxmode.offloads;
    if (int rc = rte_eth_rx_queue_setup(id_, 0, nb_rx, sock, &rxq, pool); rc != 0)
        return dpdk_error(rc, name_ + ": RX queue");
    rte_eth_txconf txq = info.default_txconf;
    txq.offloads = conf.txmode.offloads;
    if (int rc = rte_eth_tx_queue_setup(id_, 0, nb_tx, sock, &txq); rc != 0)
        return dpdk_error(rc, name_ + ": TX queue");

    if (int rc = rte_eth_dev_set_mtu(id_, mtu_); rc != 0) {
        std::uint16_t actual = 0;
        if (rte_eth_dev_get_mtu(id_, &actual) == 0 && actual == mtu) {
            // The driver cannot change it but it already is what we want.
        } else {
            SHUNT_LOG_WARN("port %s: cannot set MTU %u (%s); using %u", name_.c_str(), mtu,
                           rte_strerror(-rc), actual ? actual : 1500);
            mtu_ = actual ? actual : 1500;
        }
    }

    if (int rc = rte_eth_dev_start(id_); rc != 0) return dpdk_error(rc, name_ + ": start");

    rx_intr_ = rx_intr;
    return {};
}

void dpdk_port::find_rx_wake(const std::vector<int>& sockets_before, unsigned if_index) {
    // The kernel socket under the PMD first: asking DPDK for the interrupt
    // fd of a PMD without one logs an error.
    rx_wake_fd_ = find_rx_wake_fd(sockets_before, if_index);
    if (rx_wake_fd_ >= 0) {
        rx_intr_ = false;
        rx_wake_ = "socket";
        return;
    }
    if (rx_intr_) {
        const int fd = rte_eth_dev_rx_intr_ctl_q_get_fd(id_, 0);
        if (fd >= 0) {
            rx_wake_fd_ = fd;
            rx_wake_ = "interrupt";
            return;
        }
    }
    rx_intr_ = false;
    rx_wake_ = "none";
}

void dpdk_port::arm_rx_wake(bool on) {
    if (!rx_intr_) return;
    // Fails only for a queue without interrupts, which find_rx_wake rules out.
    if (on) (void)rte_eth_dev_rx_intr_enable(id_, 0);
    else (void)rte_eth_dev_rx_intr_disable(id_, 0);
}

dpdk_port::~dpdk_port() {
    if (started_) {
        if (int rc = rte_eth_dev_stop(id_); rc != 0)
            SHUNT_LOG_WARN("port %s: stop: %s", name_.c_str(), rte_strerror(-rc));
    }
    if (int rc = rte_eth_dev_close(id_); rc != 0)
        SHUNT_LOG_WARN("port %s: close: %s", name_.c_str(), rte_strerror(-rc));
}

std::uint16_t dpdk_port::rx_burst(rte_mbuf** pkts, std::uint16_t n) {
    return rte_eth_rx_burst(id_, 0, pkts, n);
}

std::uint16_t dpdk_port::tx_burst(rte_mbuf** pkts, std::uint16_t n) {
    return rte_eth_tx_burst(id_, 0, pkts, n);
}

port_link dpdk_port::link() const {
    rte_eth_link l{};
    if (rte_eth_link_get_nowait(id_, &l) != 0) return {};
    return port_link{l.link_status == RTE_ETH_LINK_UP,
                     l.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN ? 0u : l.link_speed};
}

port_counters dpdk_port::counters() const {
    rte_eth_stats s{};
    if (rte_eth_stats_get(id_, &s) != 0) return {};
    port_counters c;
    c.rx_packets = s.ipackets;
    c.rx_bytes = s.ibytes;
    c.rx_drops = s.imissed + s.rx_nombuf;
    c.rx_errors = s.ierrors;
    c.tx_packets = s.opackets;
    c.tx_bytes = s.obytes;
    c.tx_errors = s.oerrors;
    return c;
}

}  // namespace shunt::stack
