// shuntctl capture: the frames a shuntd port sends and receives, as
// onload_tcpdump shows Onload's: a pcap stream from the daemon (see
// daemon/capture_server.hpp), filtered here with libpcap's compiler (the
// tcpdump filter language), written as a pcap file (-w FILE, -w - for
// stdout) or printed one line per packet.
#pragma once

#include <functional>
#include <string>

#include "base/result.hpp"

namespace shunt::ctl {

struct capture_options {
    std::string port;       // name or index; empty: the first
    std::string write_to;   // "": print lines; "-": pcap on stdout; else a file
    long count = 0;         // stop after this many matching packets (0: until interrupted)
    unsigned snaplen = 262144;
    std::string filter;     // tcpdump's filter expression; empty: everything
};

// Returns the exit status (`fail` turns errors into one).
int capture(const std::string& socket_path, const capture_options& o,
            const std::function<int(const error&)>& fail);

}  // namespace shunt::ctl
