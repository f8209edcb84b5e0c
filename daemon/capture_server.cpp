#include "daemon/capture_server.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <sstream>

#include "base/json_writer.hpp"
#include "base/log.hpp"
#include "base/printable.hpp"

namespace shunt::daemon {
namespace {

constexpr std::size_t k_max_buffered = 8u << 20;  // past this, frames wait in the tap (and drop there)

void put32(std::string& o, std::uint32_t v) { o.append(reinterpret_cast<const char*>(&v), 4); }
void put16(std::string& o, std::uint16_t v) { o.append(reinterpret_cast<const char*>(&v), 2); }

std::string error_line(const std::string& msg) {
    json_writer w;
    w.begin_object().field("error", msg).end_object();
    return w.str() + "\n";
}

void send_all_blocking(int fd, const std::string& s) {
    std::size_t off = 0;
    while (off < s.size()) {
        const ssize_t w = send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w > 0) {
            off += static_cast<std::size_t>(w);
            continue;
        }
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            pollfd p{fd, POLLOUT, 0};
            if (poll(&p, 1, 1000) > 0) continue;
        }
        return;
    }
}

}  // namespace

bool capture_server::take(int fd, const std::string& request) {
    std::istringstream in(request);
    std::string verb, port;
    long snaplen = 262144;
    in >> verb;
    if (verb != "capture") return false;
    in >> port >> snaplen;
    stack::capture_tap* tap = nullptr;
    std::string name;
    for (std::size_t i = 0; i < taps_.size(); ++i) {
        if (port.empty() || port == "-" || port == taps_[i].name || port == std::to_string(i)) {
            tap = taps_[i].tap;
            name = taps_[i].name;
            break;
        }
    }
    std::string reply;
    if (!tap) reply = error_line("no port '" + printable(port) + "'");  // JSON is UTF-8: see admin_reply
    else if (active()) reply = error_line("a capture is already running (one at a time)");
    else if (snaplen < 64 || snaplen > 262144) reply = error_line("snaplen must be 64 to 262144");
    if (!reply.empty()) {
        send_all_blocking(fd, reply);
        close(fd);
        return true;
    }
    const auto snap = static_cast<std::uint32_t>(snaplen > 65535 ? 65535 : snaplen);
    json_writer w;
    w.begin_object().field("capture", name).field("snaplen", snap).end_object();
    out_ = w.str() + "\n";
    // pcap's file header: nanosecond timestamps (magic 0xa1b23c4d), v2.4, Ethernet.
    put32(out_, 0xa1b23c4du);
    put16(out_, 2);
    put16(out_, 4);
    put32(out_, 0);
    put32(out_, 0);
    put32(out_, snap);
    put32(out_, 1);
    fd_ = fd;
    tap_ = tap;
    tap_->start(snap);
    SHUNT_LOG_INFO("capture started on %s (snaplen %u)", name.c_str(), snap);
    return true;
}

void capture_server::pump() {
    if (!active()) return;
    tap_->drain([this](const stack::capture_record& r, const std::uint8_t* bytes) {
        if (out_.size() > k_max_buffered) return false;
        put32(out_, static_cast<std::uint32_t>(r.ts_ns / 1'000'000'000u));
        put32(out_, static_cast<std::uint32_t>(r.ts_ns % 1'000'000'000u));
        put32(out_, r.caplen);
        put32(out_, r.wire_len);
        out_.append(reinterpret_cast<const char*>(bytes), r.caplen);
        return true;
    });
    if (!flush()) end();
}

bool capture_server::flush() {
    while (!out_.empty()) {
        const ssize_t w = send(fd_, out_.data(), out_.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w > 0) {
            out_.erase(0, static_cast<std::size_t>(w));
            continue;
        }
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
        return false;
    }
    // Nothing to send: has the client gone?
    pollfd p{fd_, POLLRDHUP, 0};
    return !(poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLRDHUP | POLLERR | POLLNVAL)));
}

void capture_server::end() {
    if (!active()) return;
    tap_->stop();
    SHUNT_LOG_INFO("capture ended (%llu frames dropped for a slow reader)",
                   static_cast<unsigned long long>(tap_->drops()));
    close(fd_);
    fd_ = -1;
    tap_ = nullptr;
    out_.clear();
}

}  // namespace shunt::daemon
