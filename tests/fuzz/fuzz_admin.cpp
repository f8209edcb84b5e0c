// libFuzzer target: shuntd's admin socket under hostile clients
// (docs/fuzzing.md). Each input runs a real admin_server and
// capture_server on a socket of their own, wired as daemon/main.cpp wires
// them, answering with shuntd's admin_reply (tests/fuzz/admin_view.hpp);
// the fuzzer plays the clients as several users, sending requests whole,
// in pieces, too long or never, reading or not, hanging up anywhere, and
// the worker recording frames while a capture runs (admin_ops.hpp). Every
// reply is checked (admin_replies.hpp); the servers must not crash, leak
// (memory or fds) or wait on a client.
//
//   fuzz_admin [libFuzzer flags] [CORPUS...]
//   fuzz_admin --write-seeds DIR    writes the seed programs and exits
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "tests/fuzz/admin_ops.hpp"
#include "tests/fuzz/fuzz_checks.hpp"
#include "tests/fuzz/fuzz_input.hpp"
#include "tests/fuzz/unix_clients.hpp"

namespace shunt::fuzz {
int write_admin_seeds(const char* dir);
}

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
    for (int i = 1; i + 1 < *argc; ++i)
        if (std::strcmp((*argv)[i], "--write-seeds") == 0) std::exit(shunt::fuzz::write_admin_seeds((*argv)[i + 1]));
    std::signal(SIGPIPE, SIG_IGN);
    shunt::fuzz::daemon_log_from_env();
    (void)shunt::fuzz::socket_dir();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const int fds = shunt::fuzz::open_fds();
    {
        shunt::fuzz::input_reader in(data, size);
        shunt::fuzz::run_admin_program(in);
    }
    shunt::fuzz::check_fds("fuzz_admin", fds);
    return 0;
}
