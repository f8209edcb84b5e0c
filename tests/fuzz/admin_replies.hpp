// What an admin client may read back (daemon/admin_server.hpp), checked as
// it arrives; a breach aborts with a message:
//   - nothing before the client has finished a request: a line, the end of
//     its writing (shutdown), or more than the 4,096 bytes a request may be;
//   - one line, a JSON object in UTF-8, then the end; to a client the
//     policy refuses, only {"error":"permission denied"} (or "request too
//     long"); to others the answer to the request: "status", "stats",
//     "apps", "sockets" and "reset" without "error", "capture ..." with
//     "capture" or "error", anything else "unknown request";
//   - after {"capture": ...}: a pcap stream (shuntctl capture), its
//     snaplen the line's, each frame one the worker recorded on that port
//     since the request, in order, cut to the snaplen, bytes intact;
//   - the end with nothing read only for a client that asked nothing, or
//     one the server may have turned away (64 clients at once).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace shunt::fuzz {

// A frame the harness recorded on a capture tap: its bytes are first,
// first + 1, ... (mod 256), len of them.
struct recorded_frame {
    std::uint8_t first;
    std::uint32_t len;
};

// The frames recorded on each port so far, in order (the harness appends).
using recorded_frames = std::vector<std::vector<recorded_frame>>;

class reply_check {
public:
    // `ports` names the capture ports in order; `frames` outlives the check.
    reply_check(bool admitted, bool may_be_turned_away, const std::vector<std::string>& ports,
                const recorded_frames& frames)
        : admitted_(admitted), turned_away_ok_(may_be_turned_away), ports_(ports), frames_(frames) {}

    // The client sends `bytes` (what was queued): the request so far.
    void sent(std::span<const std::uint8_t> bytes);
    void shut();
    // Bytes read from the connection; then the end of it (read returned 0).
    void received(std::span<const std::uint8_t> bytes);
    void ended();

private:
    void on_line();
    void on_stream(const std::uint8_t* p, std::size_t n);
    bool request_complete() const;
    std::string request_line() const;

    bool admitted_, turned_away_ok_;
    const std::vector<std::string>& ports_;
    const recorded_frames& frames_;
    std::string sent_;  // the first 8 KiB the client sent
    std::size_t sent_total_ = 0;
    bool shut_ = false;
    std::vector<std::size_t> window_;  // per port: frames recorded before the client's first byte was sent

    bool any_ = false;
    std::string line_;
    bool line_done_ = false;
    bool capturing_ = false;  // the line said {"capture": ...}
    std::size_t port_ = 0;
    std::uint32_t snaplen_ = 0;
    std::vector<std::uint8_t> pending_;  // stream bytes not yet a whole header or record
    bool pcap_header_ = false;
    std::size_t cursor_ = 0;  // next frame of port_ a record may be
};

}  // namespace shunt::fuzz
