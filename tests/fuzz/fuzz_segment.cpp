// libFuzzer target: a live daemon session whose segment and control
// connection an app the fuzzer plays mutates while the daemon's reader runs
// (docs/fuzzing.md). The daemon treats everything it reads from the segment
// as untrusted: whatever the input, the session may end (session::fail, a
// logged reason) but the daemon must not crash, leak or touch freed memory.
//
//   fuzz_segment [libFuzzer flags] [CORPUS...]
//   fuzz_segment --write-seeds DIR    writes the seed programs and exits
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "daemon/fd_reaper.hpp"
#include "tests/fuzz/fuzz_checks.hpp"
#include "tests/fuzz/fuzz_input.hpp"
#include "tests/fuzz/lwip_env.hpp"
#include "tests/fuzz/segment_ops.hpp"

namespace shunt::fuzz {
int write_segment_seeds(const char* dir);
}

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
    for (int i = 1; i + 1 < *argc; ++i)
        if (std::strcmp((*argv)[i], "--write-seeds") == 0) std::exit(shunt::fuzz::write_segment_seeds((*argv)[i + 1]));
    shunt::fuzz::lwip_env_init();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // Every input releases every fd it opened (the daemon's notify and
    // control ends, the memfd, the app's ends).
    const int fds = shunt::fuzz::open_fds();
    shunt::fuzz::lwip_begin_input();
    {
        shunt::fuzz::input_reader in(data, size);
        shunt::fuzz::run_segment_program(in);
    }
    shunt::fuzz::lwip_end_input();
    shunt::daemon::fd_reaper::settle();  // the fds shuntd hands its reaper are closed by now
    shunt::fuzz::check_fds("fuzz_segment", fds);
    return 0;
}
