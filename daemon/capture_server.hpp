// `shuntctl capture` on shuntd's side (main lcore): the admin request
// "capture PORT SNAPLEN" turns the client's connection into a stream — one
// JSON line ({"capture": PORT, "snaplen": N}, or {"error": ...}), then a pcap
// stream (nanosecond timestamps, Ethernet) of every frame the port sends and
// receives, drained from the port's capture tap (stack/capture_tap.hpp) until
// the client hangs up. One capture at a time; frames the client is too slow
// for are dropped in the tap (counted), never held by the worker.
#pragma once

#include <string>
#include <vector>

#include "stack/capture_tap.hpp"

namespace shunt::daemon {

class capture_server {
public:
    struct port_tap {
        std::string name;
        stack::capture_tap* tap;
    };
    explicit capture_server(std::vector<port_tap> taps) : taps_(std::move(taps)) {}
    ~capture_server() { end(); }

    // The admin server's stream handler: takes fd if `request` is a capture.
    bool take(int fd, const std::string& request);
    bool active() const { return fd_ >= 0; }
    // Moves captured frames to the client; ends the capture when it has gone.
    void pump();

private:
    void end();
    bool flush();  // false: the client is gone

    std::vector<port_tap> taps_;
    stack::capture_tap* tap_ = nullptr;
    int fd_ = -1;
    std::string out_;
};

}  // namespace shunt::daemon
