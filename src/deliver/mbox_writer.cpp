#include "deliver/mbox_writer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <thread>

#include "common/unique_fd.hpp"
#include "deliver/file_error.hpp"
#include "deliver/write_all.hpp"
#include "deliver/mboxrd.hpp"

namespace deliver {
namespace {

constexpr std::chrono::milliseconds kLockRetry{50};

enum class Try { Locked, Busy };

// Holds the fcntl lock and, unless the directory refuses it, FILE.lock.
class MailboxLock {
 public:
  MailboxLock(int fd, const std::string& file) : fd_(fd), file_(file), dotlock_(file + ".lock") {}
  MailboxLock(const MailboxLock&) = delete;
  MailboxLock& operator=(const MailboxLock&) = delete;
  ~MailboxLock() { release(); }

  common::Result<Try> try_lock(std::chrono::seconds stale_after) {
    struct flock lock {};
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
    if (::fcntl(fd_, F_SETLK, &lock) != 0) {
      if (errno == EACCES || errno == EAGAIN) return Try::Busy;
      return file_error("locking " + file_, errno);
    }
    have_fcntl_ = true;
    auto dot = try_dotlock(stale_after);
    if (!dot || *dot == Try::Busy) release();
    return dot;
  }

  void release() {
    if (have_dotlock_) ::unlink(dotlock_.c_str());
    have_dotlock_ = false;
    if (have_fcntl_) {
      struct flock lock {};
      lock.l_type = F_UNLCK;
      lock.l_whence = SEEK_SET;
      ::fcntl(fd_, F_SETLK, &lock);
    }
    have_fcntl_ = false;
  }

 private:
  common::Result<Try> try_dotlock(std::chrono::seconds stale_after) {
    common::UniqueFd lock(::open(dotlock_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (lock.valid()) {
      have_dotlock_ = true;
      const std::string pid = std::to_string(::getpid()) + "\n";
      (void)!::write(lock.get(), pid.data(), pid.size());  // for people; the file's presence is the lock
      return Try::Locked;
    }
    if (errno == EACCES || errno == EPERM || errno == EROFS) return Try::Locked;  // fcntl alone
    if (errno != EEXIST) return file_error("creating " + dotlock_, errno);
    struct stat info {};
    if (::stat(dotlock_.c_str(), &info) == 0 && ::time(nullptr) - info.st_mtime > stale_after.count()) {
      ::unlink(dotlock_.c_str());  // left by a program that died; the next try takes it
    }
    return Try::Busy;
  }

  int fd_;
  std::string file_;
  std::string dotlock_;
  bool have_fcntl_ = false;
  bool have_dotlock_ = false;
};

// Appends under the lock; cuts the file back to its old size on failure.
common::Result<std::size_t> append_locked(int fd, std::string_view entry, const std::string& path) {
  struct stat info {};
  if (::fstat(fd, &info) != 0) return file_error("checking " + path, errno);
  if (!S_ISREG(info.st_mode)) return file_error(path + " is not a regular file", EISDIR);
  const off_t old_size = info.st_size;
  // A file not ending in a line end gets one before the entry, or its "From "
  // line would not start a line. (A string_view, not a std::string: GCC 12
  // warns falsely (-Wrestrict) about assigning "\n" to a string at -O2.)
  std::string_view prefix;
  if (old_size > 0) {
    char last = '\n';
    if (::pread(fd, &last, 1, old_size - 1) != 1) return file_error("reading " + path, errno);
    if (last != '\n') prefix = "\n";
  }
  common::Status status = write_all(fd, prefix, path);
  if (status) status = write_all(fd, entry, path);
  if (status && ::fsync(fd) != 0) status = file_error("syncing " + path, errno);
  if (!status) {
    (void)!::ftruncate(fd, old_size);
    (void)!::fsync(fd);
    return status.error();
  }
  return prefix.size() + entry.size();
}

}  // namespace

MboxWriter::MboxWriter(std::string file, MboxLocking locking) : file_(std::move(file)), locking_(locking) {}

common::Result<std::size_t> MboxWriter::append(const Message& message) {
  return append_entry(mboxrd_entry(message));
}

common::Result<std::size_t> MboxWriter::append_entry(std::string_view entry) {
  common::UniqueFd fd(::open(file_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd.valid()) return file_error("opening " + file_, errno);
  MailboxLock lock(fd.get(), file_);
  const auto deadline = std::chrono::steady_clock::now() + locking_.wait;
  while (true) {
    auto tried = lock.try_lock(locking_.stale_after);
    if (!tried) return tried.error();
    if (*tried == Try::Locked) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      return common::make_error(common::ErrorKind::Timeout, file_ + " is locked by another program (" +
                                                                file_ + ".lock or an fcntl lock held for " +
                                                                std::to_string(locking_.wait.count()) +
                                                                " ms)");
    }
    std::this_thread::sleep_for(kLockRetry);
  }
  return append_locked(fd.get(), entry, file_);
}

common::Result<bool> MboxWriter::already_there(const Message& message) {
  const std::string entry = mboxrd_entry(message);
  common::UniqueFd fd(::open(file_.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return false;
    return file_error("opening " + file_, errno);
  }
  // Read in chunks, keeping the last entry.size() - 1 bytes, so an entry
  // spanning two chunks is still found.
  constexpr std::size_t kChunk = 1024 * 1024;
  std::string window;
  std::string chunk(kChunk, '\0');
  while (true) {
    const ssize_t n = ::read(fd.get(), chunk.data(), chunk.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return file_error("reading " + file_, errno);
    }
    if (n == 0) return false;
    window.append(chunk.data(), static_cast<std::size_t>(n));
    if (window.find(entry) != std::string::npos) return true;
    if (window.size() >= entry.size()) window.erase(0, window.size() - entry.size() + 1);
  }
}

}  // namespace deliver
