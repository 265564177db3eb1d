#include "store/account_lock.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "temp_dir.hpp"

namespace {

using store_test::TempDir;

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
