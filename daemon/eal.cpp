#include "daemon/eal.hpp"

#include <rte_eal.h>
#include <rte_errno.h>
#include <sched.h>

#include <fstream>
#include <regex>

#include "base/log.hpp"

namespace shunt::daemon {
namespace {

bool is_pci_address(const std::string& devargs) {
    static const std::regex pci(R"(^([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7](,.*)?$)");
    return std::regex_match(devargs, pci);
}

// Free 2 MiB hugepages, from /proc/meminfo.
unsigned long free_hugepages() {
    std::ifstream f("/proc/meminfo");
    std::string k;
    unsigned long v = 0;
    while (f >> k >> v) {
        if (k == "HugePages_Free:") return v;
        f.ignore(256, '\n');
    }
    return 0;
}

}  // namespace

result<std::vector<std::string>> eal_arguments(const daemon_config& cfg) {
    std::vector<std::string> a{"shuntd"};

    // Lcores: the first CPUs this process may run on; the first becomes the
    // main lcore (control), the next `workers` become worker lcores.
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) return make_error(errno, "sched_getaffinity");
    std::string lcores;
    unsigned picked = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE && picked < cfg.workers + 1; ++cpu) {
        if (!CPU_ISSET(cpu, &set)) continue;
        lcores += (picked ? "," : "") + std::to_string(cpu);
        ++picked;
    }
    if (picked < cfg.workers + 1)
        return make_error(EINVAL, "workers=" + std::to_string(cfg.workers) + " needs " +
                                      std::to_string(cfg.workers + 1) +
                                      " CPUs (one main lcore plus the workers) but only " +
                                      std::to_string(picked) + " are available");
    a.push_back("-l");
    a.push_back(lcores);
    a.push_back("--file-prefix");
    a.push_back(cfg.file_prefix);
    a.push_back("--no-telemetry");

    bool any_pci = false;
    for (const auto& p : cfg.ports) {
        if (is_pci_address(p.devargs)) {
            any_pci = true;
            a.push_back("-a");
        } else {
            a.push_back("--vdev");
        }
        a.push_back(p.devargs);
    }
    if (!any_pci) a.push_back("--no-pci");

    // Memory: hugepages in --in-memory mode (no hugetlbfs mount, no files
    // left behind) when reserved; otherwise --no-huge with -m.
    const unsigned long want_pages = 64;  // 128 MiB covers a 16k-mbuf pool
    bool huge = cfg.huge == huge_mode::yes ||
                (cfg.huge == huge_mode::automatic && free_hugepages() >= want_pages);
    if (cfg.huge == huge_mode::yes && free_hugepages() == 0)
        return make_error(ENOMEM, "--huge yes but no free hugepages are reserved "
                                  "(/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages)");
    if (huge) {
        a.push_back("--in-memory");
    } else {
        a.push_back("--no-huge");
        a.push_back("-m");
        a.push_back(std::to_string(cfg.memory_mb));
    }
    a.push_back(std::string("--log-level=") +
                (cfg.log_level == log::level::debug ? "debug" : "notice"));
    return a;
}

result<bool> eal_start(const daemon_config& cfg) {
    auto args = eal_arguments(cfg);
    if (!args) return args.err();
    std::string joined;
    std::vector<char*> argv;
    bool huge = true;
    for (auto& s : *args) {
        if (s == "--no-huge") huge = false;
        argv.push_back(s.data());
        joined += (joined.empty() ? "" : " ") + s;
    }
    argv.push_back(nullptr);
    SHUNT_LOG_INFO("EAL: %s", joined.c_str());
    if (rte_eal_init(static_cast<int>(argv.size() - 1), argv.data()) < 0)
        return make_error(rte_errno, std::string("DPDK EAL init failed: ") + rte_strerror(rte_errno));
    return huge;
}

void eal_shutdown() {
    if (int rc = rte_eal_cleanup(); rc != 0) SHUNT_LOG_WARN("EAL cleanup: %s", rte_strerror(-rc));
}

}  // namespace shunt::daemon
