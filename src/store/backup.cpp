#include "store/backup.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "store/database.hpp"
#include "store/pg/conninfo.hpp"

namespace store {
namespace {

// How long a busy source (a checkpoint holding a lock) is waited for.
constexpr int kBusyTimeoutMs = 5000;

common::Error io_error(std::string message) {
  return common::make_error(common::ErrorKind::Io, std::move(message));
}

std::string parent_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// Removes the copy and anything SQLite made next to it, unless dismissed.
class RemoveOnFailure {
 public:
  explicit RemoveOnFailure(std::string path) : path_(std::move(path)) {}
  RemoveOnFailure(const RemoveOnFailure&) = delete;
  RemoveOnFailure& operator=(const RemoveOnFailure&) = delete;
  ~RemoveOnFailure() {
    if (!armed_) return;
    for (const char* suffix : {"", "-journal", "-wal", "-shm"}) (void)::unlink((path_ + suffix).c_str());
  }
  void dismiss() { armed_ = false; }

 private:
  std::string path_;
  bool armed_ = true;
};

common::Status create_exclusively(const std::string& target) {
  const int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    if (errno == EEXIST)
      return io_error("backup: " + target + " already exists (a backup never overwrites a file)");
    return io_error("backup: cannot create " + target + ": " + std::strerror(errno));
  }
  // The umask may have taken owner bits away too: exactly 0600.
  (void)::fchmod(fd, 0600);
  ::close(fd);
  return {};
}

common::Status fsync_path(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return io_error("backup: cannot open " + path + " to sync it: " + std::strerror(errno));
  const int rc = ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  if (rc != 0) return io_error("backup: syncing " + path + ": " + std::strerror(saved));
  return {};
}

// Every page of `source` into `copy`, in one step: one snapshot.
common::Status copy_pages(Database& source, Database& copy, const std::string& target) {
  sqlite3_backup* backup = sqlite3_backup_init(copy.handle(), "main", source.handle(), "main");
  if (backup == nullptr) return copy.error("backup: starting the copy to " + target);
  int rc = SQLITE_OK;
  // BUSY/LOCKED: a writer held a lock longer than the busy timeout; the
  // step can simply be tried again (a few times, not for ever).
  for (int attempt = 0; attempt < 5; ++attempt) {
    rc = sqlite3_backup_step(backup, -1);
    if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) break;
    sqlite3_sleep(200);
  }
  const int finished = sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) {
    return common::make_error(common::ErrorKind::Storage,
                              "backup: copying to " + target + ": " + sqlite3_errstr(rc));
  }
  if (finished != SQLITE_OK) return copy.error("backup: finishing the copy to " + target);
  return {};
}

}  // namespace

common::Result<BackupStats> backup_archive(const std::string& database, const std::string& target) {
  if (pg::is_postgres_uri(database)) {
    return common::make_error(common::ErrorKind::Storage,
                              "backup: not yet supported with a PostgreSQL archive (use pg_dump)");
  }
  struct stat info {};
  if (::stat(database.c_str(), &info) != 0) {
    return io_error("backup: no archive at " + database + " (" + std::strerror(errno) + ")");
  }
  auto source = Database::open(database, SQLITE_OPEN_READWRITE);
  if (!source) return source.error();
  sqlite3_busy_timeout(source->handle(), kBusyTimeoutMs);
  if (auto s = create_exclusively(target); !s) return s.error();
  RemoveOnFailure guard(target);
  BackupStats stats;
  {
    auto copy = Database::open(target, SQLITE_OPEN_READWRITE);
    if (!copy) return copy.error();
    if (auto s = copy->exec("PRAGMA synchronous = FULL", "backup: preparing " + target); !s) return s.error();
    if (auto s = copy_pages(*source, *copy, target); !s) return s.error();
    // The pages say WAL (the archive's mode); a backup is one file to carry
    // away, with nothing in a -wal beside it.
    if (auto mode = copy->query_text("PRAGMA journal_mode = DELETE", "backup: finishing " + target); !mode)
      return mode.error();
    auto messages = copy->query_int64("SELECT count(*) FROM messages", "backup: reading the copy " + target);
    if (!messages) return messages.error();
    stats.messages = *messages;
  }
  if (auto s = fsync_path(target, O_RDONLY); !s) return s.error();
  if (auto s = fsync_path(parent_of(target), O_RDONLY | O_DIRECTORY); !s) return s.error();
  if (::stat(target.c_str(), &info) == 0) stats.bytes = static_cast<std::int64_t>(info.st_size);
  guard.dismiss();
  return stats;
}

}  // namespace store
