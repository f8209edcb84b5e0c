#include "tests/fuzz/admin_replies.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "base/json_value.hpp"

namespace shunt::fuzz {
namespace {

constexpr std::size_t k_max_request = 4096;  // daemon/admin_server.cpp
constexpr std::size_t k_kept_request = 8192;
constexpr std::size_t k_max_line = 1 << 20;
constexpr std::size_t k_pcap_header = 24, k_record_header = 16;

[[noreturn]] void die(const std::string& why) {
    std::fprintf(stderr, "fuzz_admin: %s\n", why.c_str());
    std::abort();
}

std::uint32_t get32(const std::uint8_t* p) {
    std::uint32_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
std::uint16_t get16(const std::uint8_t* p) {
    std::uint16_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// RFC 3629: no overlong forms, surrogates or code points past U+10FFFF.
bool valid_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t n;
        std::uint32_t cp;
        if (c < 0x80) n = 1, cp = c;
        else if ((c & 0xe0) == 0xc0) n = 2, cp = c & 0x1f;
        else if ((c & 0xf0) == 0xe0) n = 3, cp = c & 0x0f;
        else if ((c & 0xf8) == 0xf0) n = 4, cp = c & 0x07;
        else return false;
        if (i + n > s.size()) return false;
        for (std::size_t k = 1; k < n; ++k) {
            const auto d = static_cast<unsigned char>(s[i + k]);
            if ((d & 0xc0) != 0x80) return false;
            cp = cp << 6 | (d & 0x3f);
        }
        static constexpr std::uint32_t k_min[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < k_min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
        i += n;
    }
    return true;
}

// The verb as capture_server::take reads it (istringstream >> verb).
std::string first_word(std::string_view s) {
    const auto space = [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
    std::size_t b = 0;
    while (b < s.size() && space(s[b])) ++b;
    std::size_t e = b;
    while (e < s.size() && !space(s[e])) ++e;
    return std::string(s.substr(b, e - b));
}

}  // namespace

bool reply_check::request_complete() const {
    return sent_.find('\n') != std::string::npos || shut_ || sent_total_ > k_max_request;
}

// What admin_server::on_client takes as the request: up to the first line
// break (all of it, at the end of the client's writing), less one '\r'.
std::string reply_check::request_line() const {
    std::string r = sent_.substr(0, sent_.find('\n'));
    if (!r.empty() && r.back() == '\r') r.pop_back();
    return r;
}

void reply_check::sent(std::span<const std::uint8_t> bytes) {
    const bool was = request_complete();
    const std::size_t keep = std::min(bytes.size(), k_kept_request - std::min(sent_.size(), k_kept_request));
    sent_.append(reinterpret_cast<const char*>(bytes.data()), keep);
    sent_total_ += bytes.size();
    if (!was && request_complete())
        for (const auto& f : frames_) window_.push_back(f.size());
}

void reply_check::shut() {
    const bool was = request_complete();
    shut_ = true;
    if (!was)
        for (const auto& f : frames_) window_.push_back(f.size());
}

void reply_check::received(std::span<const std::uint8_t> bytes) {
    if (bytes.empty()) return;
    if (!any_ && !request_complete()) die("shuntd answered before the request was complete");
    any_ = true;
    std::size_t i = 0;
    while (!line_done_ && i < bytes.size()) {
        const char c = static_cast<char>(bytes[i++]);
        if (c == '\n') {
            line_done_ = true;
            on_line();
            break;
        }
        line_ += c;
        if (line_.size() > k_max_line) die("a reply line of more than 1 MiB");
    }
    if (i == bytes.size()) return;
    if (!capturing_) die("bytes after the reply's line");
    on_stream(bytes.data() + i, bytes.size() - i);
}

void reply_check::ended() {
    if (!any_) {
        if (!turned_away_ok_ && !(shut_ && sent_total_ == 0))
            die("the connection ended without a reply to a request (" + std::to_string(sent_total_) + " bytes sent)");
        return;
    }
    if (!line_done_) die("the connection ended inside the reply's line");
}

void reply_check::on_line() {
    if (!valid_utf8(line_)) die("a reply that is not UTF-8: " + line_);
    auto parsed = json_value::parse(line_);
    if (!parsed || !parsed->is_object()) die("a reply that is no JSON object: " + line_);
    const json_value& v = *parsed;
    const bool error = v["error"].type() == json_value::kind::string;
    const std::string err = v["error"].str();
    if (error && err == "request too long") {
        if (sent_total_ <= k_max_request) die("\"request too long\" after " + std::to_string(sent_total_) + " bytes");
        return;
    }
    if (!admitted_) {
        if (line_ != R"({"error":"permission denied"})") die("a client the policy refuses was answered: " + line_);
        return;
    }
    const std::string req = request_line();
    if (first_word(req) == "capture") {
        if (error) return;
        if (v["capture"].type() != json_value::kind::string) die("a capture's first line: " + line_);
        const auto it = std::find(ports_.begin(), ports_.end(), v["capture"].str());
        if (it == ports_.end()) die("a capture of a port that does not exist: " + line_);
        port_ = static_cast<std::size_t>(it - ports_.begin());
        const std::uint64_t snap = v["snaplen"].u64();
        if (snap < 64 || snap > 65535) die("a capture's snaplen: " + line_);
        snaplen_ = static_cast<std::uint32_t>(snap);
        cursor_ = window_.at(port_);
        capturing_ = true;
        return;
    }
    static const char* const k_known[] = {"status", "stats", "apps", "sockets", "reset"};
    if (std::find(std::begin(k_known), std::end(k_known), req) != std::end(k_known)) {
        if (error) die("request '" + req + "' answered with an error: " + line_);
        if (req == "status" && v["version"].str().empty()) die("a status without version: " + line_);
        return;
    }
    if (err.rfind("unknown request", 0) != 0) die("an unknown request answered: " + line_);
}

// The pcap stream of `shuntctl capture` (daemon/capture_server.cpp).
void reply_check::on_stream(const std::uint8_t* p, std::size_t n) {
    pending_.insert(pending_.end(), p, p + n);
    std::size_t at = 0;
    for (;;) {
        const std::uint8_t* h = pending_.data() + at;
        const std::size_t left = pending_.size() - at;
        if (!pcap_header_) {
            if (left < k_pcap_header) break;
            if (get32(h) != 0xa1b23c4du || get16(h + 4) != 2 || get16(h + 6) != 4 || get32(h + 16) != snaplen_ ||
                get32(h + 20) != 1)
                die("a capture's pcap header does not match its first line");
            pcap_header_ = true;
            at += k_pcap_header;
            continue;
        }
        if (left < k_record_header) break;
        const std::uint32_t nsec = get32(h + 4), incl = get32(h + 8), orig = get32(h + 12);
        if (nsec >= 1'000'000'000u || incl != std::min(orig, snaplen_))
            die("a captured frame's header: " + std::to_string(incl) + " of " + std::to_string(orig) + " bytes");
        if (left < k_record_header + incl) break;
        const std::uint8_t* d = h + k_record_header;
        for (std::uint32_t k = 1; k < incl; ++k)
            if (d[k] != static_cast<std::uint8_t>(d[0] + k)) die("a captured frame's bytes are not the frame's");
        const auto& frames = frames_.at(port_);
        while (cursor_ < frames.size() && !(frames[cursor_].len == orig && (incl == 0 || frames[cursor_].first == d[0])))
            ++cursor_;
        if (cursor_ == frames.size())
            die("a captured frame the worker did not record on " + ports_[port_] + " since the request (or out of order)");
        ++cursor_;
        at += k_record_header + incl;
    }
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(at));
}

}  // namespace shunt::fuzz
