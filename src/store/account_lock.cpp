#include "store/account_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <set>

#include "common/log.hpp"
#include "config/config.hpp"
#include "store/pg/conninfo.hpp"

namespace store {
namespace {

std::mutex& memory_locks_mutex() {
  static std::mutex mutex;
  return mutex;
}

std::set<std::string, std::less<>>& memory_locks() {
  static std::set<std::string, std::less<>> locks;
  return locks;
}

// A PostgreSQL archive has no file to put lock files next to: its accounts
// are locked in this process only. Daemons sharing one PostgreSQL archive
// keep apart through its lease tables and advisory locks (pg_leases.hpp).
bool is_memory(const std::string& db_path) {
  return db_path.empty() || db_path == ":memory:" || pg::is_postgres_uri(db_path);
}

// A "file:" URI names the file before any "?query".
std::string file_of(const std::string& db_path) {
  if (db_path.rfind("file:", 0) != 0) return db_path;
  return db_path.substr(5,
                        db_path.find('?') == std::string::npos ? std::string::npos : db_path.find('?') - 5);
}

common::Error io_error(std::string what) {
  return common::make_error(common::ErrorKind::Io, std::move(what) + ": " + std::strerror(errno));
}

struct Owner {
  uid_t uid;
  gid_t gid;
};

// Whom the lock directory and files must belong to: the database's owner
// when we run as root and the database is someone else's (`sudo popfetchd
// poll-once` next to the service), so the service can still lock them.
// nullopt: whoever creates them (the database may not exist yet).
std::optional<Owner> owner_to_give(const std::string& db_file) {
  if (::geteuid() != 0) return std::nullopt;
  struct stat info {};
  if (::stat(db_file.c_str(), &info) != 0 || info.st_uid == 0) return std::nullopt;
  return Owner{info.st_uid, info.st_gid};
}

void give_to(int fd, const std::string& path, const std::optional<Owner>& owner) {
  if (!owner || fd < 0) return;
  struct stat info {};
  if (::fstat(fd, &info) != 0 || (info.st_uid == owner->uid && info.st_gid == owner->gid)) return;
  if (::fchown(fd, owner->uid, owner->gid) != 0) {
    common::log_warn("", "cannot give " + path + " to the database's owner (" + std::strerror(errno) +
                             "); the service may fail to lock it");
  }
}

common::Status make_lock_directory(const std::string& dir, const std::optional<Owner>& owner) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return io_error("creating lock directory " + dir);
  if (owner) {
    common::UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
    give_to(fd.get(), dir, owner);
  }
  return {};
}

common::Result<common::UniqueFd> open_lock_file(const std::string& path, const std::optional<Owner>& owner) {
  common::UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd.valid() && errno == EACCES) {
    // Made by another user (root, say) and not writable for us: flock needs
    // only an open descriptor, read-only will do.
    fd.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  }
  if (!fd.valid()) return io_error("opening lock file " + path);
  give_to(fd.get(), path, owner);
  return fd;
}

}  // namespace

namespace {
std::string lock_name(std::string_view account, AccountLock::Purpose purpose) {
  return std::string(account) + (purpose == AccountLock::Purpose::Poll ? ".lock" : ".delivery");
}
}  // namespace

std::string AccountLock::lock_path(const std::string& db_path, std::string_view account, Purpose purpose) {
  return file_of(db_path) + ".locks/" + lock_name(account, purpose);
}

common::Result<std::optional<AccountLock>> AccountLock::try_acquire(const std::string& db_path,
                                                                    std::string_view account, Purpose purpose) {
  if (!config::valid_account_name(account)) {
    return common::make_error(common::ErrorKind::Config,
                              "account name \"" + std::string(account) + "\" cannot name a lock file");
  }
  if (is_memory(db_path)) {
    std::lock_guard<std::mutex> guard(memory_locks_mutex());
    if (!memory_locks().emplace(lock_name(account, purpose)).second) return std::optional<AccountLock>{};
    return std::optional<AccountLock>{
        AccountLock(std::string(account), lock_name(account, purpose), common::UniqueFd{}, true)};
  }

  const std::optional<Owner> owner = owner_to_give(file_of(db_path));
  const std::string dir = file_of(db_path) + ".locks";
  if (auto made = make_lock_directory(dir, owner); !made) return made.error();
  const std::string path = lock_path(db_path, account, purpose);
  common::Result<common::UniqueFd> opened = open_lock_file(path, owner);
  if (!opened) return opened.error();
  common::UniqueFd fd = std::move(opened).value();
  while (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK) return std::optional<AccountLock>{};
    return io_error("locking " + path);
  }
  return std::optional<AccountLock>{
      AccountLock(std::string(account), lock_name(account, purpose), std::move(fd), false)};
}

AccountLock& AccountLock::operator=(AccountLock&& other) noexcept {
  if (this != &other) {
    release();
    account_ = std::move(other.account_);
    name_ = std::move(other.name_);
    fd_ = std::move(other.fd_);
    in_process_ = std::exchange(other.in_process_, false);
  }
  return *this;
}

AccountLock::~AccountLock() { release(); }

void AccountLock::release() {
  if (in_process_) {
    std::lock_guard<std::mutex> guard(memory_locks_mutex());
    memory_locks().erase(name_);
    in_process_ = false;
  }
  fd_.reset();  // closing the only descriptor of the open file description drops the flock
}

}  // namespace store
