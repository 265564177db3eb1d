// The archive's files under an operator's hands: removed or replaced under
// an open Archive (still_in_place), and who may read them (0600 whatever the
// umask, looser existing files tightened at open).

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "add_message.hpp"
#include "store/archive.hpp"
#include "support/temp_dir.hpp"

namespace {

using test_support::TempDir;

mode_t mode_of(const std::string& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777;
}

bool exists(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0;
}

// Restores the process umask at the end of the test.
class UmaskGuard {
 public:
  explicit UmaskGuard(mode_t mask) : previous_(::umask(mask)) {}
  UmaskGuard(const UmaskGuard&) = delete;
  UmaskGuard& operator=(const UmaskGuard&) = delete;
  ~UmaskGuard() { ::umask(previous_); }

 private:
  mode_t previous_;
};

TEST(StillInPlace, TrueForMemoryAndForAnUntouchedFile) {
  auto memory = store::Archive::open(":memory:");
  ASSERT_TRUE(memory.ok());
  EXPECT_TRUE(*memory->still_in_place());

  TempDir dir;
  auto archive = store::Archive::open(dir.file("archive.db"));
  ASSERT_TRUE(archive.ok());
  ASSERT_TRUE(store_test::add_message(*archive, "a", "u1", "Subject: x\r\n\r\n", 1).ok());
  EXPECT_TRUE(*archive->still_in_place());
}

// `rm popfetchd.db*` under the daemon: every later commit goes to an
// unlinked file, so nothing may be DELEted on its strength.
TEST(StillInPlace, FalseOnceTheFilesAreRemoved) {
  TempDir dir;
  const std::string path = dir.file("archive.db");
  auto archive = store::Archive::open(path);
  ASSERT_TRUE(archive.ok());
  ASSERT_TRUE(store_test::add_message(*archive, "a", "u1", "Subject: x\r\n\r\n", 1).ok());
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  auto in_place = archive->still_in_place();
  ASSERT_TRUE(in_place.ok()) << in_place.error().message;
  EXPECT_FALSE(*in_place);
}

TEST(StillInPlace, FalseWhenAnotherFileTookItsPlace) {
  TempDir dir;
  const std::string path = dir.file("archive.db");
  auto archive = store::Archive::open(path);
  ASSERT_TRUE(archive.ok());
  { ASSERT_TRUE(store::Archive::open(dir.file("other.db")).ok()); }
  ASSERT_EQ(::rename(dir.file("other.db").c_str(), path.c_str()), 0);
  EXPECT_FALSE(*archive->still_in_place());
}

TEST(ArchiveMode, CreatedOwnerOnlyWhateverTheUmask) {
  for (const mode_t mask : {mode_t{022}, mode_t{0}, mode_t{0277}}) {
    SCOPED_TRACE(mask);
    UmaskGuard umask(mask);
    TempDir dir;  // an existing directory: the case that used to give 0644
    const std::string path = dir.file("archive.db");
    auto archive = store::Archive::open(path);
    ASSERT_TRUE(archive.ok()) << archive.error().message;
    ASSERT_TRUE(store_test::add_message(*archive, "a", "u1", "Subject: x\r\n\r\n", 1).ok());
    for (const char* suffix : {"", "-wal", "-shm"}) {
      ASSERT_TRUE(exists(path + suffix)) << suffix;
      EXPECT_EQ(mode_of(path + suffix), 0600u) << suffix;
    }
  }
}

TEST(ArchiveMode, AnExistingLooseDatabaseIsTightenedAtOpen) {
  TempDir dir;
  const std::string path = dir.file("archive.db");
  { ASSERT_TRUE(store::Archive::open(path).ok()); }
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  auto archive = store::Archive::open(path);
  ASSERT_TRUE(archive.ok()) << archive.error().message;
  ASSERT_TRUE(store_test::add_message(*archive, "a", "u1", "Subject: x\r\n\r\n", 1).ok());
  for (const char* suffix : {"", "-wal", "-shm"}) EXPECT_EQ(mode_of(path + suffix), 0600u) << suffix;
}

}  // namespace
