#include "tools/shuntctl/capture.hpp"

#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <ctime>

#include "base/json_value.hpp"
#include "tools/shuntctl/admin_client.hpp"

namespace shunt::ctl {
namespace {

volatile sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

// Reads exactly n bytes; false at the end of the stream, an error or a stop.
bool read_full(int fd, void* dst, std::size_t n) {
    auto* p = static_cast<std::uint8_t*>(dst);
    while (n) {
        if (g_stop) return false;
        pollfd pf{fd, POLLIN, 0};
        const int r = poll(&pf, 1, 200);
        if (r == 0 || (r < 0 && errno == EINTR)) continue;
        if (r < 0) return false;
        const ssize_t got = read(fd, p, n);
        if (got <= 0) {
            if (got < 0 && errno == EINTR) continue;
            return false;
        }
        p += got;
        n -= static_cast<std::size_t>(got);
    }
    return true;
}

std::string read_line(int fd) {
    std::string line;
    char c;
    while (line.size() < 4096 && read_full(fd, &c, 1) && c != '\n') line += c;
    return line;
}

std::string ip(const std::uint8_t* a) {
    char b[16];
    std::snprintf(b, sizeof b, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
    return b;
}

// One line per packet, after tcpdump's: time, addresses, protocol, length.
std::string describe(std::uint64_t sec, std::uint32_t nsec, const std::uint8_t* d, std::uint32_t caplen,
                     std::uint32_t len) {
    char when[32];
    const std::time_t t = static_cast<std::time_t>(sec);
    std::tm tm{};
    localtime_r(&t, &tm);
    std::strftime(when, sizeof when, "%H:%M:%S", &tm);
    char head[48];
    std::snprintf(head, sizeof head, "%s.%06u ", when, nsec / 1000);
    std::string o = head;
    if (caplen < 14) return o + "(truncated)";
    const unsigned type = d[12] << 8 | d[13];
    if (type == 0x0806) return o + "ARP, length " + std::to_string(len);
    if (type != 0x0800 || caplen < 34) {
        char b[48];
        std::snprintf(b, sizeof b, "ethertype 0x%04x, length %u", type, len);
        return o + b;
    }
    const std::uint8_t* iph = d + 14;
    const unsigned ihl = (iph[0] & 15) * 4;
    const unsigned proto = iph[9];
    const unsigned ip_len = iph[2] << 8 | iph[3];
    const std::uint8_t* l4 = iph + ihl;
    const bool have_ports = caplen >= 14 + ihl + 4 && !((iph[6] & 0x1f) | iph[7]);  // first fragment
    std::string src = ip(iph + 12), dst = ip(iph + 16);
    if ((proto == 6 || proto == 17) && have_ports) {
        src += "." + std::to_string(l4[0] << 8 | l4[1]);
        dst += "." + std::to_string(l4[2] << 8 | l4[3]);
    }
    o += "IP " + src + " > " + dst + ": ";
    if (proto == 6 && caplen >= 14 + ihl + 20) {
        const unsigned off = (l4[12] >> 4) * 4, fl = l4[13];
        std::string flags;
        if (fl & 0x02) flags += 'S';
        if (fl & 0x01) flags += 'F';
        if (fl & 0x04) flags += 'R';
        if (fl & 0x08) flags += 'P';
        if (fl & 0x10) flags += '.';
        const int payload = static_cast<int>(ip_len) - static_cast<int>(ihl) - static_cast<int>(off);
        return o + "Flags [" + flags + "], length " + std::to_string(payload < 0 ? 0 : payload);
    }
    if (proto == 17) return o + "UDP, length " + std::to_string(ip_len > ihl + 8 ? ip_len - ihl - 8 : 0);
    if (proto == 1 && caplen >= 14 + ihl + 1) return o + "ICMP type " + std::to_string(l4[0]) + ", length " + std::to_string(ip_len - ihl);
    return o + "proto " + std::to_string(proto) + ", length " + std::to_string(ip_len);
}

}  // namespace

int capture(const std::string& socket_path, const capture_options& o, const std::function<int(const error&)>& fail) {
    // The filter first: a typo is a usage error before anything is asked of shuntd.
    bpf_program prog{};
    bool filtered = false;
    if (!o.filter.empty()) {
        pcap_t* dead = pcap_open_dead(DLT_EN10MB, 65535);
        if (!dead || pcap_compile(dead, &prog, o.filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
            std::fprintf(stderr, "shuntctl: bad capture filter '%s': %s\n", o.filter.c_str(),
                         dead ? pcap_geterr(dead) : "libpcap unavailable");
            if (dead) pcap_close(dead);
            return 2;
        }
        pcap_close(dead);
        filtered = true;
    }
    std::FILE* out = nullptr;
    if (!o.write_to.empty()) {
        out = o.write_to == "-" ? stdout : std::fopen(o.write_to.c_str(), "wb");
        if (!out) return fail(make_error(errno, "cannot write " + o.write_to + ": " + std::strerror(errno)));
    }
    auto opened = admin_open(socket_path, "capture " + (o.port.empty() ? std::string("-") : o.port) + " " +
                                              std::to_string(o.snaplen));
    if (!opened) return fail(opened.err());
    const int fd = *opened;
    struct sigaction sa{};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    signal(SIGPIPE, SIG_IGN);

    const std::string first = read_line(fd);
    auto doc = json_value::parse(first);
    if (!doc) {
        close(fd);
        return fail(make_error(EPROTO, first.empty() ? "shuntd closed the capture" : "malformed reply from shuntd"));
    }
    if (const auto& e = (*doc)["error"]; e.type() == json_value::kind::string) {
        close(fd);
        return fail(make_error(e.str() == "permission denied" ? EACCES : EPROTO, "shuntd: " + e.str()));
    }
    std::uint8_t file_header[24];
    if (!read_full(fd, file_header, sizeof file_header)) {
        close(fd);
        return fail(make_error(EPROTO, "shuntd closed the capture"));
    }
    if (out) std::fwrite(file_header, 1, sizeof file_header, out);
    if (!out)
        std::fprintf(stderr, "shuntctl: capturing on %s (snaplen %llu)%s%s\n", (*doc)["capture"].str().c_str(),
                     static_cast<unsigned long long>((*doc)["snaplen"].u64()), filtered ? ", filter: " : "",
                     o.filter.c_str());
    long matched = 0;
    std::uint8_t buf[65536];
    while (!g_stop && (o.count == 0 || matched < o.count)) {
        std::uint32_t rec[4];
        if (!read_full(fd, rec, sizeof rec)) break;
        if (rec[2] > sizeof buf || !read_full(fd, buf, rec[2])) break;
        pcap_pkthdr h{};
        h.ts.tv_sec = rec[0];
        h.ts.tv_usec = rec[1] / 1000;
        h.caplen = rec[2];
        h.len = rec[3];
        if (filtered && !pcap_offline_filter(&prog, &h, buf)) continue;
        ++matched;
        if (out) {
            std::fwrite(rec, 1, sizeof rec, out);
            std::fwrite(buf, 1, rec[2], out);
            if (out == stdout) std::fflush(out);
        } else {
            std::printf("%s\n", describe(rec[0], rec[1], buf, rec[2], rec[3]).c_str());
            std::fflush(stdout);
        }
    }
    close(fd);  // shuntd ends the capture when it sees the hang-up
    if (filtered) pcap_freecode(&prog);
    if (out && out != stdout) std::fclose(out);
    else if (out) std::fflush(out);
    std::fprintf(stderr, "%ld packet%s captured\n", matched, matched == 1 ? "" : "s");
    return 0;
}

}  // namespace shunt::ctl
