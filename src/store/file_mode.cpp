#include "store/file_mode.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/log.hpp"

namespace store {
namespace {

constexpr mode_t kGroupAndOthers = S_IRWXG | S_IRWXO;

void tighten(const std::string& file) {
  struct stat info {};
  if (::stat(file.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) return;
  if ((info.st_mode & kGroupAndOthers) == 0) return;
  const mode_t tight = info.st_mode & S_IRWXU;
  if (::chmod(file.c_str(), tight) != 0) {
    common::log_warn("", "database file " + file +
                             " is readable by other users and its mode cannot be changed (" +
                             std::strerror(errno) + "); chmod 600 it");
    return;
  }
  common::log_warn("", "database file " + file + " was open to other users; their permissions are removed");
}

}  // namespace

void secure_database_files(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd >= 0) {
    // The umask may have taken owner bits away too (umask 0277): exactly 0600.
    (void)::fchmod(fd, 0600);
    ::close(fd);
  }
  for (const char* suffix : {"", "-wal", "-shm"}) tighten(path + suffix);
}

}  // namespace store
