#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>

#include "app/commands.hpp"
#include "config/locations.hpp"

namespace app {

std::string default_config_path() {
  return config::find_config(config::Environment::current(), [](const std::string& path) {
    std::error_code ignored;  // unreadable: try the next place, as if it did not exist
    return std::filesystem::exists(path, ignored);
  });
}

void print_error(const std::string& message) { std::fprintf(stderr, "popfetchd: %s\n", message.c_str()); }

}  // namespace app
