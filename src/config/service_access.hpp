#pragma once
// Can the shipped systemd unit read this config? The unit runs popfetchd as
// user and group "popfetchd" (DynamicUser=yes, or the package's system user
// of that name), never as root: a file only root may read stops the service
// at its first ExecStartPre. Pure: file facts in, advice out.

#include <sys/types.h>

#include <optional>
#include <string>

namespace config {

inline constexpr const char* kServiceUser = "popfetchd";

struct FileFacts {
  uid_t owner = 0;
  std::string owner_name;  // "" when the uid has no name
  std::string group_name;  // "" when the gid has no name
  mode_t mode = 0;         // permission bits
};

// The facts of `path` (nullopt when it cannot be stat()ed).
std::optional<FileFacts> file_facts(const std::string& path);

// True when user "popfetchd" (in group "popfetchd") may read a file with these facts.
bool service_can_read(const FileFacts& file);

// Advice when the file at `path` is one the unit cannot read, for someone
// running check-config as root (the admin preparing the service); nullopt
// when the unit can read it, or when the checker is not root (then the
// checker is the service, or a user running their own copy).
std::optional<std::string> service_access_advice(const std::string& path, const FileFacts& file, bool checker_is_root);

}  // namespace config
