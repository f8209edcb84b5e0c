// libFuzzer target: shuntd's control socket under hostile clients
// (docs/fuzzing.md). Each input runs a real control_server on a socket of
// its own, its clients played by the fuzzer as several users: connecting,
// attaching (or not), passing fds, half-closing and hanging up anywhere
// (tests/fuzz/attach_ops.hpp); the worker's part is attach_host's. The
// server must refuse or attach each one as its policy and limits say,
// without crashing, leaking (memory or fds) or waiting on a client.
//
//   fuzz_attach [libFuzzer flags] [CORPUS...]
//   fuzz_attach --write-seeds DIR    writes the seed programs and exits
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "daemon/cmdline_reader.hpp"
#include "daemon/fd_reaper.hpp"
#include "tests/fuzz/attach_ops.hpp"
#include "tests/fuzz/fuzz_checks.hpp"
#include "tests/fuzz/fuzz_input.hpp"
#include "tests/fuzz/unix_clients.hpp"

namespace shunt::fuzz {
int write_attach_seeds(const char* dir);
}

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
    for (int i = 1; i + 1 < *argc; ++i)
        if (std::strcmp((*argv)[i], "--write-seeds") == 0) std::exit(shunt::fuzz::write_attach_seeds((*argv)[i + 1]));
    std::signal(SIGPIPE, SIG_IGN);
    shunt::fuzz::daemon_log_from_env();
    (void)shunt::fuzz::socket_dir();
    shunt::daemon::fd_reaper::settle();  // its thread starts now, not inside an input
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const int fds = shunt::fuzz::open_fds();
    {
        shunt::fuzz::input_reader in(data, size);
        shunt::fuzz::run_attach_program(in);
    }
    shunt::daemon::fd_reaper::settle();  // the fds shuntd hands its reaper are closed by now
    shunt::daemon::cmdline_reader::settle();  // as are the /proc files its reader thread opens
    shunt::fuzz::check_fds("fuzz_attach", fds);
    return 0;
}
