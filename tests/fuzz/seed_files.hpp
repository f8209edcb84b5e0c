// Writing a fuzz target's seed inputs (TARGET --write-seeds DIR, run by
// ./dev fuzz before each run): one file per named input.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace shunt::fuzz {

using named_inputs = std::vector<std::pair<std::string, std::vector<std::uint8_t>>>;

// 0, or 1 after saying on stderr which file could not be written.
int write_seed_files(const char* target, const char* dir, const named_inputs& inputs);

}  // namespace shunt::fuzz
