#pragma once
// deliver::MboxWriter: appends messages to one mbox file (mboxrd, LF line
// ends; deliver/mboxrd.hpp), synchronously (the mbox target calls it on
// libuv's thread pool).
//
// Locking follows Debian Policy §11.6, as mutt, procmail and Dovecot lock a
// mailbox: an fcntl() write lock on the file first, then a dotlock (FILE.lock,
// created with O_EXCL, holding our pid). Both are tried without blocking and
// retried every 50 ms until `wait` has passed; then the append is given up as
// a Timeout (another program holds the mailbox; the queue retries later), so
// a lock nobody releases never hangs a worker thread. Between tries nothing
// is held, so a program that takes the locks in the other order cannot
// deadlock with us. A dotlock older than `stale_after` was left by a crashed
// program and is removed, as liblockfile does. When the directory does not
// let us create FILE.lock (EACCES, EPERM, EROFS: /var/mail is often
// group-writable by `mail` only), the fcntl lock alone is used, like
// Dovecot's "dotlock_try".
//
// One append: the file (created 0600 when missing) gets a "\n" first when
// its last byte is not one (so our From_ line starts a line), then the entry,
// then fsync(). A failed write or fsync cuts the file back to its old size,
// so a reader never sees half a message. FILE may not be a symlink (ELOOP,
// Permanent), as procmail and Dovecot's LDA refuse one.
//
// Owns: FILE.lock while it holds it, and the bytes it appended. Never rewrites
// what was in the file before.
// Errors: deliver/file_error.hpp's kinds (TempFail for a full disk, PermFail
// for a path that cannot work, Timeout for a held lock, Io otherwise), each
// message naming the path.

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "deliver/target.hpp"

namespace deliver {

struct MboxLocking {
  // How long to wait for a held lock. Short: the wait blocks one of libuv's
  // few pool threads (which name resolution for the polls needs too), and the
  // delivery queue retries a Timeout with backoff anyway.
  std::chrono::milliseconds wait{3'000};
  std::chrono::seconds stale_after{300};  // a dotlock older than this is broken
};

class MboxWriter {
 public:
  explicit MboxWriter(std::string file, MboxLocking locking = {});

  const std::string& file() const { return file_; }

  // Appends the message's mboxrd entry; returns the bytes appended.
  common::Result<std::size_t> append(const Message& message);
  // Appends an entry as given (already in mboxrd form).
  common::Result<std::size_t> append_entry(std::string_view entry);

  // Whether the file holds the message's entry byte for byte (a file that
  // does not exist holds nothing). Reads the whole file: for attempts in doubt only.
  common::Result<bool> already_there(const Message& message);

 private:
  std::string file_;
  MboxLocking locking_;
};

}  // namespace deliver
