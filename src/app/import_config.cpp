// `popfetchd import-config --from TOOL FILE`: reads another fetcher's config
// and prints popfetchd YAML for its accounts (migrate/migrate.hpp). Reads only
// FILE; touches no config, archive or server.

#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "app/commands.hpp"
#include "migrate/migrate.hpp"

namespace app {
namespace {

// fetchmail's user when an entry names none: the local login name.
std::string local_user() {
  if (const char* user = std::getenv("USER"); user != nullptr && *user != '\0') return user;
  if (const passwd* entry = getpwuid(getuid()); entry != nullptr) return entry->pw_name;
  return {};
}

}  // namespace

int import_config(const std::string& from, const std::string& file) {
  const auto tool = migrate::parse_tool(from);
  if (!tool) {
    print_error("import-config: unknown --from '" + from + "' (expected fetchmail, getmail or mpop)");
    return kExitUsage;
  }
  std::error_code ignored;
  if (std::filesystem::is_directory(file, ignored)) {
    print_error(file + ": cannot read: it is a directory");
    return kExitUsage;
  }
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  if (!in || in.bad()) {
    print_error(file + ": cannot read: " + std::strerror(errno));
    return kExitUsage;
  }
  migrate::ImportOptions options;
  options.local_user = local_user();
  const auto yaml = migrate::import_config(*tool, text.str(), file, options);
  if (!yaml) {
    print_error(file + ": " + yaml.error().message);
    return kExitUsage;
  }
  std::fwrite(yaml->data(), 1, yaml->size(), stdout);
  return std::fflush(stdout) == 0 ? kExitOk : kExitFailed;
}

}  // namespace app
