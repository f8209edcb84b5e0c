#include "tests/fuzz/fuzz_checks.hpp"

#include <dirent.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "base/log.hpp"

namespace shunt::fuzz {

int open_fds() {
    DIR* d = opendir("/proc/self/fd");
    if (!d) return -1;
    int n = 0;
    while (readdir(d)) ++n;
    closedir(d);
    return n;
}

// Counted before and after each input, which opens nothing of libFuzzer's
// own meanwhile.
void check_fds(const char* target, int before) {
    const int after = open_fds();
    if (after == before) return;
    std::fprintf(stderr, "%s: %d fds open after the input, %d before: an fd leaks\n", target, after, before);
    if (DIR* d = opendir("/proc/self/fd")) {
        while (const dirent* e = readdir(d)) {
            char path[64], link[256] = {};
            std::snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
            if (readlink(path, link, sizeof link - 1) > 0) std::fprintf(stderr, "%s:   fd %s -> %s\n", target, e->d_name, link);
        }
        closedir(d);
    }
    std::abort();
}

void blocked(const char* what) {
    std::fprintf(stderr, "fuzz: %s took more than %lld s: shuntd's main lcore waited on a client\n", what,
                 static_cast<long long>(k_block_limit.count()));
    std::abort();
}

void daemon_log_from_env() {
    log::level lvl = log::level::error;
    if (const char* e = std::getenv("SHUNT_FUZZ_LOG"))
        if (auto l = log::parse_level(e)) lvl = *l;
    log::set_level(lvl);
}

}  // namespace shunt::fuzz
