// Whether the systemd unit's user can read the config; see service_access.hpp.
#include "config/service_access.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>

#include <cstdio>

namespace config {

std::optional<FileFacts> file_facts(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return std::nullopt;
  FileFacts facts;
  facts.owner = info.st_uid;
  facts.mode = info.st_mode & 07777;
  if (const passwd* user = ::getpwuid(info.st_uid)) facts.owner_name = user->pw_name;
  if (const group* grp = ::getgrgid(info.st_gid)) facts.group_name = grp->gr_name;
  return facts;
}

bool service_can_read(const FileFacts& file) {
  if (file.owner_name == kServiceUser && (file.mode & S_IRUSR) != 0) return true;
  if (file.group_name == kServiceUser && (file.mode & S_IRGRP) != 0) return true;
  return (file.mode & S_IROTH) != 0;
}

std::optional<std::string> service_access_advice(const std::string& path, const FileFacts& file,
                                                 bool checker_is_root) {
  if (!checker_is_root || service_can_read(file)) return std::nullopt;
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(file.mode));
  const std::string owner = file.owner_name.empty() ? std::to_string(file.owner) : file.owner_name;
  return path + ": the systemd unit runs popfetchd as user '" + kServiceUser + "', which cannot read this file (owner " +
         owner + ", group " + (file.group_name.empty() ? "?" : file.group_name) + ", mode " + mode +
         "): give it to the service's group with `chgrp " + kServiceUser + " " + path + " && chmod 640 " + path +
         "` and keep passwords out of it (password_file with LoadCredential=, or password_env); ignore this if "
         "popfetchd runs as root";
}

}  // namespace config
