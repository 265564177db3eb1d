#pragma once
// store::AccountLock: "this account is being polled", held for the length of
// one poll so the same account is never polled twice at once, by this process
// or by another popfetchd (say a `poll-once` next to the running daemon).
//
// How: one lock file per account, "<database>.locks/<account>.lock", locked
// with flock(LOCK_EX | LOCK_NB). flock locks belong to the open file
// description, so two acquisitions conflict even inside one process (fcntl
// byte-range locks would not: they are per process and are dropped when any
// descriptor of the file is closed). The kernel releases the lock when the
// holder dies, so a crash never leaves a stale lock. The lock files are never
// deleted (deleting one while another process waits on it would let two
// holders in). The ".locks" directory is created next to the database
// (mode 0700) when missing; the database's own directory must exist.
// For ":memory:" databases the lock is an in-process set of account names.
//
// Whoever creates them, the lock files work for the database's owner: run as
// root next to a service that runs as another user, the ".locks" directory
// and the lock file are given to the database file's owner (an existing
// root-owned one too); a lock file that exists but is not writable for us is
// opened read-only, which is all flock needs.
//
// Owns the lock file descriptor; touches nothing in the database.
// Errors: Config for an account name that cannot be a file name, Io for
// file-system failures. "Held by someone else" is not an error: nullopt.

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/result.hpp"
#include "common/unique_fd.hpp"

namespace store {

class AccountLock {
 public:
  // What is held: polling the account ("<account>.lock"), or delivering its
  // messages to their targets ("<account>.delivery": held by the daemon
  // while it runs the account's delivery queue and by `popfetchd deliver`,
  // so one message is never handed to a target by two processes at once).
  // No account name ends in ".lock" and ".delivery" at once, so the two
  // kinds of file never collide.
  enum class Purpose { Poll, Delivery };

  // Non-blocking. nullopt: another holder has it.
  static common::Result<std::optional<AccountLock>> try_acquire(const std::string& db_path,
                                                                std::string_view account,
                                                                Purpose purpose = Purpose::Poll);

  AccountLock(AccountLock&& other) noexcept
      : account_(std::move(other.account_)),
        name_(std::move(other.name_)),
        fd_(std::move(other.fd_)),
        in_process_(std::exchange(other.in_process_, false)) {}
  AccountLock& operator=(AccountLock&& other) noexcept;
  AccountLock(const AccountLock&) = delete;
  AccountLock& operator=(const AccountLock&) = delete;
  ~AccountLock();

  const std::string& account() const { return account_; }

  // The lock file used for `account` of the database at `db_path`.
  static std::string lock_path(const std::string& db_path, std::string_view account,
                               Purpose purpose = Purpose::Poll);

 private:
  AccountLock(std::string account, std::string name, common::UniqueFd fd, bool in_process)
      : account_(std::move(account)), name_(std::move(name)), fd_(std::move(fd)), in_process_(in_process) {}
  void release();

  std::string account_;
  std::string name_;  // the lock file's name: account and purpose
  common::UniqueFd fd_;              // the flock()ed lock file (file databases)
  bool in_process_ = false;  // held in the in-process set (":memory:")
};

}  // namespace store
