#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>

#include "app/commands.hpp"
#include "common/log.hpp"
#include "config/locations.hpp"

namespace app {

std::string default_config_path() {
  return config::find_config(config::Environment::current(), [](const std::string& path) {
    std::error_code ignored;  // unreadable: try the next place, as if it did not exist
    return std::filesystem::exists(path, ignored);
  });
}

// Under journald an error line carries priority 3 (err), so that
// `journalctl -p err` shows why a start or a poll-once failed.
void print_error(const std::string& message) {
  std::fprintf(stderr, "%spopfetchd: %s\n", common::stderr_is_journal() ? "<3>" : "", message.c_str());
}

}  // namespace app
