#pragma once
// Loading the config for a command: prints every diagnostic to stderr as
// "popfetchd: file:line:col: message" and applies log_level.

#include <optional>
#include <string>

#include "config/config.hpp"

namespace app {

std::optional<config::Config> load_config_or_report(const std::string& path);

}  // namespace app
