#include <cstdio>
#include <cstdlib>
#include <string>

#include "app/commands.hpp"

namespace app {

std::string default_config_path() {
  if (const char* env = std::getenv("POPFETCHD_CONFIG"); env != nullptr && *env != '\0') return env;
  return "/etc/popfetchd/popfetchd.yaml";
}

void print_error(const std::string& message) { std::fprintf(stderr, "popfetchd: %s\n", message.c_str()); }

}  // namespace app
