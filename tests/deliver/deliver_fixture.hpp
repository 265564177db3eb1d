#pragma once
// What the deliver tests share: a private temporary directory, messages as
// the archive hands them over, the files of a directory, and a tiny tmpfs
// (root only) to fill a disk honestly.

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "deliver/target.hpp"
#include "support/files.hpp"
#include "support/temp_dir.hpp"

namespace deliver_test {

namespace fs = std::filesystem;

inline deliver::Message make_message(std::int64_t id, std::string raw, std::string account = "alice",
                                     std::int64_t fetched_at = 1704067200) {
  deliver::Message m;
  m.id = id;
  m.account = std::move(account);
  m.uidl = "uidl-" + std::to_string(id);
  m.fetched_at = fetched_at;
  m.raw = std::move(raw);
  return m;
}

inline std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> out;
  if (!fs::exists(dir)) return out;
  for (const auto& entry : fs::directory_iterator(dir)) out.push_back(entry.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

inline mode_t mode_of(const fs::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return 0;
  return info.st_mode & 07777;
}

class DeliverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = test_support::TempDir::create("popfetchd-deliver-");
    ASSERT_TRUE(dir.ok()) << dir.error().message;
    dir_.emplace(std::move(dir).value());
  }
  void TearDown() override {
    if (HasFailure()) dir_->keep();
  }
  fs::path path(const std::string& name) const { return dir_->path() / name; }
  const fs::path& root() const { return dir_->path(); }

  std::optional<test_support::TempDir> dir_;
};

// A tmpfs of `bytes` mounted on `where` while the object lives; only root may
// mount one, so valid() is false (and the test skips) otherwise.
class TinyTmpfs {
 public:
  TinyTmpfs(const fs::path& where, std::size_t bytes) : where_(where) {
    if (::geteuid() != 0) return;
    std::error_code ignored;
    fs::create_directory(where_, ignored);
    const std::string options = "size=" + std::to_string(bytes) + ",mode=0755";
    mounted_ = ::mount("tmpfs", where_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) == 0;
  }
  TinyTmpfs(const TinyTmpfs&) = delete;
  TinyTmpfs& operator=(const TinyTmpfs&) = delete;
  ~TinyTmpfs() {
    if (mounted_) ::umount2(where_.c_str(), MNT_DETACH);
  }
  bool valid() const { return mounted_; }

 private:
  fs::path where_;
  bool mounted_ = false;
};

}  // namespace deliver_test
