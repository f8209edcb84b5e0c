// Reading shuntd's command line and configuration file into daemon_config.
// Both use the same keys: `--key value` on the command line is `key = value`
// in the file. A file is read first (--config), then flags override it.
#pragma once

#include <string>
#include <vector>

#include "daemon/config.hpp"

namespace shunt::daemon {

enum class cli_action { run, check, help, version };

struct cli_result {
    cli_action action = cli_action::run;
    daemon_config config;
};

// Parses argv. Errors name the flag or the file and line; the caller prints
// them and exits 2 (before EAL init).
[[nodiscard]] result<cli_result> parse_command_line(const std::vector<std::string>& args);

// Parses the text of a shuntd.conf (name used in messages).
[[nodiscard]] result<void> parse_config_text(daemon_config& cfg, const std::string& text,
                                             const std::string& name);

const char* usage_text();

}  // namespace shunt::daemon
