#pragma once
// Resolving the relative paths of a config file: against the file's own
// directory, and for password_file first against $CREDENTIALS_DIRECTORY
// (where systemd's LoadCredential= puts secrets). Reads no file; only
// password_file asks whether a credential exists. Internal to src/config.

#include <filesystem>
#include <string>
#include <string_view>

namespace config::detail {

struct PathContext {
  std::filesystem::path base_dir;  // the config file's directory; empty: relative paths stay as they are
  std::filesystem::path credentials_dir;  // $CREDENTIALS_DIRECTORY; empty when unset

  // The context for a config file at `config_path` (made absolute first when
  // `absolute`), with $CREDENTIALS_DIRECTORY read from the environment.
  static PathContext for_file(const std::string& config_path, bool absolute);
};

std::string resolve_path(std::string_view path, const PathContext& context);
std::string resolve_password_file(std::string_view path, const PathContext& context);

}  // namespace config::detail
