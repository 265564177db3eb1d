#include "store/account_lock.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "support/files.hpp"
#include "support/temp_dir.hpp"
#include "without_root.hpp"

namespace {

using test_support::TempDir;

TEST(AccountLock, ExclusiveWithinAProcess) {
  TempDir dir;
  const std::string db = dir.file("archive.db");
  auto first = store::AccountLock::try_acquire(db, "alice");
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ((*first)->account(), "alice");
  EXPECT_TRUE(std::filesystem::exists(store::AccountLock::lock_path(db, "alice")));

  auto second = store::AccountLock::try_acquire(db, "alice");
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->has_value());

  auto other = store::AccountLock::try_acquire(db, "bob");  // other accounts are independent
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->has_value());

  first->reset();  // released on destruction
  auto third = store::AccountLock::try_acquire(db, "alice");
  ASSERT_TRUE(third.ok());
  EXPECT_TRUE(third->has_value());
}

TEST(AccountLock, MovingKeepsTheLock) {
  TempDir dir;
  const std::string db = dir.file("archive.db");
  auto first = store::AccountLock::try_acquire(db, "alice");
  ASSERT_TRUE(first.ok() && first->has_value());
  store::AccountLock moved = std::move(**first);
  first->reset();  // destroying the moved-from object must not release it
  EXPECT_FALSE(store::AccountLock::try_acquire(db, "alice")->has_value());
}

// The child process reports through its exit status: 0 = lock was free,
// 1 = held by someone else, 2 = error.
int try_in_child(const std::string& db, const std::string& account) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    auto lock = store::AccountLock::try_acquire(db, account);
    ::_exit(!lock.ok() ? 2 : (lock->has_value() ? 0 : 1));
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 3;
}

TEST(AccountLock, ExclusiveAcrossProcesses) {
  TempDir dir;
  const std::string db = dir.file("archive.db");
  EXPECT_EQ(try_in_child(db, "alice"), 0);  // free; the child's exit released it
  auto held = store::AccountLock::try_acquire(db, "alice");
  ASSERT_TRUE(held.ok() && held->has_value());
  EXPECT_EQ(try_in_child(db, "alice"), 1);
  EXPECT_EQ(try_in_child(db, "bob"), 0);
  held->reset();
  EXPECT_EQ(try_in_child(db, "alice"), 0);
}

TEST(AccountLock, MemoryDatabasesUseAnInProcessSet) {
  auto first = store::AccountLock::try_acquire(":memory:", "alice");
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_FALSE(store::AccountLock::try_acquire(":memory:", "alice")->has_value());
  EXPECT_TRUE(store::AccountLock::try_acquire(":memory:", "bob")->has_value());
  first->reset();
  EXPECT_TRUE(store::AccountLock::try_acquire(":memory:", "alice")->has_value());
}

TEST(AccountLock, RejectsNamesThatAreNotFileNames) {
  TempDir dir;
  for (const char* name : {"", ".", "..", "../evil", "a/b", "with space"}) {
    auto lock = store::AccountLock::try_acquire(dir.file("archive.db"), name);
    ASSERT_FALSE(lock.ok()) << name;
    EXPECT_EQ(lock.error().kind, common::ErrorKind::Config);
  }
}

TEST(AccountLock, MissingDatabaseDirectoryIsAnIoError) {
  TempDir dir;
  auto lock = store::AccountLock::try_acquire(dir.file("missing/archive.db"), "alice");
  ASSERT_FALSE(lock.ok());
  EXPECT_EQ(lock.error().kind, common::ErrorKind::Io);
}

}  // namespace

namespace {

using store_test::kNobody;
using store_test::without_root;

// "free", "held", or the error, as seen by uid 65534.
std::string acquire_as_nobody(const std::string& db) {
  return without_root([&]() -> std::string {
    auto lock = store::AccountLock::try_acquire(db, "alice");
    if (!lock) return lock.error().message;
    return lock->has_value() ? "free" : "held";
  });
}

uid_t owner_of(const std::string& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_uid;
}

// `sudo popfetchd poll-once alice` next to a service running as another
// user: the lock files root leaves behind must not lock the service out.
TEST(AccountLockOwnership, RootGivesTheLockFilesToTheDatabaseOwner) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  TempDir dir;
  ASSERT_EQ(::chmod(dir.path().c_str(), 0755), 0);
  const std::string db = dir.file("archive.db");
  ASSERT_TRUE(test_support::write_file(db, "").ok());
  ASSERT_EQ(::chown(db.c_str(), kNobody, kNobody), 0);
  {
    auto as_root = store::AccountLock::try_acquire(db, "alice");
    ASSERT_TRUE(as_root.ok() && as_root->has_value()) << (as_root.ok() ? "" : as_root.error().message);
    EXPECT_EQ(owner_of(db + ".locks"), kNobody);
    EXPECT_EQ(owner_of(store::AccountLock::lock_path(db, "alice")), kNobody);
    EXPECT_EQ(acquire_as_nobody(db), "held");  // still one holder at a time
  }
  EXPECT_EQ(acquire_as_nobody(db), "free");
}

// Lock files a root of an older popfetchd left are repaired the same way.
TEST(AccountLockOwnership, RootRepairsLockFilesItMadeBefore) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  TempDir dir;
  ASSERT_EQ(::chmod(dir.path().c_str(), 0755), 0);
  const std::string db = dir.file("archive.db");
  ASSERT_TRUE(test_support::write_file(db, "").ok());
  { ASSERT_TRUE(store::AccountLock::try_acquire(db, "alice").ok()); }  // root-owned, 0700/0600
  ASSERT_EQ(::chown(db.c_str(), kNobody, kNobody), 0);
  EXPECT_NE(acquire_as_nobody(db), "free");
  { ASSERT_TRUE(store::AccountLock::try_acquire(db, "alice").ok()); }
  EXPECT_EQ(acquire_as_nobody(db), "free");
}

TEST(AccountLockOwnership, ALockFileWeCannotWriteIsLockedReadOnly) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  TempDir dir;
  ASSERT_EQ(::chmod(dir.path().c_str(), 0755), 0);
  const std::string db = dir.file("archive.db");
  const std::string locks = db + ".locks";
  ASSERT_EQ(::mkdir(locks.c_str(), 0755), 0);
  ASSERT_EQ(::chown(locks.c_str(), kNobody, kNobody), 0);
  const std::string lock_file = store::AccountLock::lock_path(db, "alice");
  ASSERT_TRUE(test_support::write_file(lock_file, "").ok());
  ASSERT_EQ(::chmod(lock_file.c_str(), 0644), 0);  // root's, readable by all

  EXPECT_EQ(acquire_as_nobody(db), "free");
  auto held = store::AccountLock::try_acquire(db, "alice");
  ASSERT_TRUE(held.ok() && held->has_value());
  EXPECT_EQ(acquire_as_nobody(db), "held");
}

}  // namespace
