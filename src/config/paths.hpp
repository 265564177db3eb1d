#pragma once
// Resolving the paths of a config file: "~/" with $HOME, relative paths
// against the file's own directory, and for password_file first against
// $CREDENTIALS_DIRECTORY (where systemd's LoadCredential= puts secrets).
// Reads no file; only password_file asks whether a credential exists.
// Internal to src/config.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "config/locations.hpp"

namespace config::detail {

struct Entry;
class DiagnosticSink;

struct PathContext {
  std::filesystem::path base_dir;  // the config file's directory; empty: relative paths stay as they are
  std::filesystem::path credentials_dir;  // $CREDENTIALS_DIRECTORY; empty when unset
  Environment env;                         // for "~/" and the default locations
  DefaultLocations defaults;               // the database and socket when the file names none

  // The context for a config file at `config_path` (made absolute first when
  // `absolute`), with $CREDENTIALS_DIRECTORY read from the environment.
  static PathContext for_file(const std::string& config_path, bool absolute,
                              const Environment& env = Environment::current());
};

// `text` as the program will open it: "~" and "~/..." expanded with $HOME,
// then a relative path made absolute against the config's directory. An
// error at the entry's value for "~user" (never expanded) or an unknown HOME.
std::optional<std::string> resolve_path(const Entry& entry, std::string_view text, const PathContext& context,
                                        DiagnosticSink& sink);
// The same, looking in $CREDENTIALS_DIRECTORY first for a relative path.
std::optional<std::string> resolve_password_file(const Entry& entry, std::string_view text,
                                                 const PathContext& context, DiagnosticSink& sink);

}  // namespace config::detail
