// shuntd: the daemon. Start-up follows the seeds' DPDK rules:
//   1. parse and validate the command line and config (exit 2 on error,
//      before anything of DPDK runs);
//   2. block signals (so no lcore ever runs a handler), open the log;
//   3. EAL init; the main thread becomes the main lcore (control only);
//   4. packet pool, ports, lwIP and its interfaces;
//   5. launch the worker lcores; then open the admin socket, so that an
//      answering daemon is a fully started one;
//   6. main loop: signals, admin requests, link-state watch;
//   7. on SIGTERM/SIGINT: stop workers (they reset connections), close the
//      sockets and ports, clean up the EAL.
#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_errno.h>
#include <arpa/inet.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "base/log.hpp"
#include "daemon/admin_server.hpp"
#include "daemon/capture_server.hpp"
#include "daemon/control_server.hpp"
#include "daemon/config_parse.hpp"
#include "daemon/eal.hpp"
#include "daemon/signals.hpp"
#include "daemon/status_report.hpp"
#include "daemon/worker.hpp"
#include "lwip/init.h"
#include "stack/dpdk_heap.hpp"
#include "stack/mbuf_pbuf.hpp"
#include "stack/netif_driver.hpp"
#include "stack/port.hpp"

namespace shunt::daemon {
namespace {

constexpr int k_exit_usage = 2;

void print_version() {
    std::printf("shuntd %s\nlwIP %s (NO_SYS=%d, TCP_MSS=%d, TCP_WND=%d, TCP_SND_BUF=%d)\n",
                PACKAGE_VERSION, LWIP_VERSION_STRING, NO_SYS, TCP_MSS, TCP_WND, TCP_SND_BUF);
}

struct mempool_deleter {
    void operator()(rte_mempool* p) const { rte_mempool_free(p); }
};

// Everything from EAL init to EAL cleanup. Returns the process exit code.
// shuntd holds two fds per accelerated socket (both ends of its notify
// pair, shm/notify.hpp) and one per app: the soft RLIMIT_NOFILE goes up to
// the hard one, and, where shuntd may (CAP_SYS_RESOURCE), both go up to
// fs.nr_open, as a service manager's LimitNOFILE would set them.
void raise_fd_limit() {
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
    rlim_t want = rl.rlim_max;
    if (FILE* f = std::fopen("/proc/sys/fs/nr_open", "re")) {
        unsigned long long n = 0;
        if (std::fscanf(f, "%llu", &n) == 1 && n > want) want = static_cast<rlim_t>(n);
        std::fclose(f);
    }
    const rlimit up{want, want};
    if (setrlimit(RLIMIT_NOFILE, &up) == 0) return;
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
        SHUNT_LOG_WARN("cannot raise RLIMIT_NOFILE: %s", std::strerror(errno));
}

int run(const daemon_config& cfg, int sigfd) {
    auto eal = eal_start(cfg);
    if (!eal) {
        SHUNT_LOG_ERROR("%s", eal.err().describe().c_str());
        return 1;
    }
    const bool huge = *eal;
    int code = 0;
    {
        std::unique_ptr<rte_mempool, mempool_deleter> pool(rte_pktmbuf_pool_create(
            "shunt_mbufs", cfg.mbufs, 256, stack::mbuf_private_size(), stack::mbuf_data_room(),
            static_cast<int>(rte_socket_id())));
        if (!pool) {
            SHUNT_LOG_ERROR("cannot create a pool of %u mbufs: %s (raise --memory or reserve hugepages)",
                            cfg.mbufs, rte_strerror(rte_errno));
            eal_shutdown();
            return 1;
        }

        // lwIP's memory comes from DPDK from here on.
        stack::install_dpdk_heap();
        lwip_init();

        std::vector<std::unique_ptr<stack::dpdk_port>> ports;
        std::vector<std::unique_ptr<stack::capture_tap>> taps;  // outlive the netifs and workers using them
        std::vector<std::unique_ptr<stack::netif_driver>> netifs;
        std::vector<std::unique_ptr<worker>> workers;
        const auto started = std::chrono::steady_clock::now();
        for (const auto& pc : cfg.ports) {
            const std::string name = pc.devargs.substr(0, pc.devargs.find(','));
            auto port = stack::dpdk_port::open(name, pool.get(), pc.mtu);
            if (!port) {
                SHUNT_LOG_ERROR("%s", port.err().describe().c_str());
                code = 1;
                break;
            }
            stack::netif_config nc{pc.address->addr, pc.address->len, pc.gateway.value_or(0),
                                   pc.gateway.has_value() || netifs.empty()};
            auto nd = stack::netif_driver::create(**port, pool.get(), nc);
            if (!nd) {
                SHUNT_LOG_ERROR("%s", nd.err().describe().c_str());
                code = 1;
                break;
            }
            SHUNT_LOG_INFO("port %s (%s) up as %s/%u, MTU %u", name.c_str(), (*port)->driver().c_str(),
                           format_ipv4(pc.address->addr).c_str(), pc.address->len, (*port)->mtu());
            taps.push_back(std::make_unique<stack::capture_tap>());
            (*nd)->set_tap(taps.back().get());
            ports.push_back(std::move(*port));
            netifs.push_back(std::move(*nd));
        }

        if (code == 0) {
            // One worker per lcore; this build serves every port from the first.
            unsigned lcore = rte_get_next_lcore(-1, 1, 0);
            auto wake = wake_set::create();
            const bool port_wakes = ports[0]->rx_wake_fd() >= 0;
            if (!wake) {
                SHUNT_LOG_ERROR("%s", wake.err().describe().c_str());
                code = 1;
            } else if (cfg.poll == poll_mode::interrupt && !port_wakes) {
                SHUNT_LOG_ERROR("--poll-mode interrupt: port %s (%s) has no RX interrupt or socket to wake "
                                "the worker; use --poll-mode adaptive or busy",
                                ports[0]->name().c_str(), ports[0]->driver().c_str());
                code = 1;
            } else {
                workers.push_back(std::make_unique<worker>(lcore, *netifs[0], std::move(*wake),
                                                           nap_policy(cfg.poll, cfg.idle_sleep_us, port_wakes)));
            }
        }
        if (code == 0) {
            const unsigned lcore = workers[0]->lcore();
            workers[0]->set_link(ports[0]->link().up);
            if (int rc = rte_eal_remote_launch(&worker::lcore_main, workers[0].get(), lcore); rc != 0) {
                SHUNT_LOG_ERROR("cannot launch worker on lcore %u: %s", lcore, rte_strerror(-rc));
                workers.clear();
                code = 1;
            }
        }

        std::unique_ptr<control_server> control;
        if (code == 0) {
            std::vector<shm::served_route> routes;
            for (const auto& pc : cfg.ports)
                routes.push_back({htonl(pc.address->addr), pc.address->len});
            auto c = control_server::open(cfg, *workers[0], std::move(routes));
            if (!c) {
                SHUNT_LOG_ERROR("control socket: %s", c.err().describe().c_str());
                code = 1;
            } else {
                control = std::move(*c);
            }
        }

        std::optional<stats_snapshot> baseline;  // outlives the admin server that points at it
        std::vector<capture_server::port_tap> capture_taps;
        for (std::size_t i = 0; i < taps.size(); ++i) capture_taps.push_back({ports[i]->name(), taps[i].get()});
        capture_server capture(std::move(capture_taps));
        std::unique_ptr<admin_server> admin;
        if (code == 0) {
            daemon_view view{cfg, started, ports, netifs, workers, pool.get(), huge, &baseline};
            auto a = admin_server::open(cfg, [view](const std::string& req) { return admin_reply(view, req); });
            if (!a) {
                SHUNT_LOG_ERROR("admin socket: %s", a.err().describe().c_str());
                code = 1;
            } else {
                admin = std::move(*a);
                admin->set_stream_handler([&capture](int fd, const std::string& r) { return capture.take(fd, r); });
            }
        }

        if (code == 0) {
            SHUNT_LOG_INFO("shuntd %s ready (control %s, admin %s)", PACKAGE_VERSION, cfg.control_path.c_str(),
                           cfg.admin_path.c_str());
            int ep = epoll_create1(EPOLL_CLOEXEC);
            epoll_event ev{};
            ev.events = EPOLLIN;
            ev.data.fd = sigfd;
            epoll_ctl(ep, EPOLL_CTL_ADD, sigfd, &ev);
            ev.data.fd = admin->poll_fd();
            epoll_ctl(ep, EPOLL_CTL_ADD, admin->poll_fd(), &ev);
            ev.data.fd = control->poll_fd();
            epoll_ctl(ep, EPOLL_CTL_ADD, control->poll_fd(), &ev);
            bool link = ports[0]->link().up;
            for (bool running = true; running;) {
                epoll_event evs[4];
                // 100 ms: the link-state watch period; 5 ms while a capture streams.
                const int n = epoll_wait(ep, evs, 4, capture.active() ? 5 : 100);
                for (int i = 0; i < n; ++i) {
                    if (evs[i].data.fd == sigfd) {
                        if (int s = read_signal(sigfd); s == SIGTERM || s == SIGINT || s == SIGQUIT) {
                            SHUNT_LOG_INFO("signal %d: shutting down", s);
                            running = false;
                        } else if (s == SIGHUP) {
                            SHUNT_LOG_INFO("SIGHUP ignored (configuration is read at start-up)");
                        }
                    } else if (evs[i].data.fd == control->poll_fd()) {
                        control->service();
                    } else {
                        admin->service();
                    }
                }
                control->expire();
                admin->expire();
                const bool now_up = ports[0]->link().up;
                if (now_up != link) {
                    SHUNT_LOG_INFO("port %s link %s", ports[0]->name().c_str(), now_up ? "up" : "down");
                    link = now_up;
                }
                workers[0]->set_link(now_up);
                capture.pump();
            }
            close(ep);
        }

        // Shutdown: stop the workers first (they reset their connections),
        // then the admin socket, interfaces, ports and the pool.
        for (auto& w : workers) w->stop();
        rte_eal_mp_wait_lcore();
        control.reset();
        admin.reset();
        netifs.clear();
        ports.clear();
    }
    eal_shutdown();
    return code;
}

}  // namespace
}  // namespace shunt::daemon

int main(int argc, char** argv) {
    using namespace shunt::daemon;
    std::vector<std::string> args(argv, argv + argc);
    auto cli = parse_command_line(args);
    if (!cli) {
        std::fprintf(stderr, "shuntd: %s\nTry 'shuntd --help'.\n", cli.err().describe().c_str());
        return k_exit_usage;
    }
    switch (cli->action) {
        case cli_action::help: std::fputs(usage_text(), stdout); return 0;
        case cli_action::version: print_version(); return 0;
        case cli_action::check: std::puts("shuntd: configuration is valid"); return 0;
        case cli_action::run: break;
    }
    const daemon_config& cfg = cli->config;
    if (auto r = shunt::log::open_sink(cfg.log_destination, "shuntd"); !r) {
        std::fprintf(stderr, "shuntd: %s\n", r.err().describe().c_str());
        return k_exit_usage;
    }
    shunt::log::set_level(cfg.log_level);
    raise_fd_limit();
    auto sigfd = block_signals_to_fd();
    if (!sigfd) {
        SHUNT_LOG_ERROR("%s", sigfd.err().describe().c_str());
        return 1;
    }
    // No lcore waits on the log sink. Started with the signals blocked, as
    // every thread must be (they go to the signalfd).
    shunt::log::start_writer();
    const int code = run(cfg, *sigfd);
    close(*sigfd);
    SHUNT_LOG_INFO("shuntd exited (%d)", code);
    shunt::log::stop_writer();
    return code;
}
