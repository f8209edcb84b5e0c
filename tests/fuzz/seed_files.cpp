#include "tests/fuzz/seed_files.hpp"

#include <cstdio>
#include <fstream>

namespace shunt::fuzz {

int write_seed_files(const char* target, const char* dir, const named_inputs& inputs) {
    for (const auto& [name, bytes] : inputs) {
        const std::string path = std::string(dir) + "/" + name;
        std::ofstream f(path, std::ios::binary | std::ios::trunc);
        f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
        if (!f) {
            std::fprintf(stderr, "%s: cannot write %s\n", target, path.c_str());
            return 1;
        }
    }
    return 0;
}

}  // namespace shunt::fuzz
