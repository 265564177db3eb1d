#pragma once
// TempDir: a private directory made with mkdtemp() under $TMPDIR (or /tmp when
// that path is too long for the Unix sockets Dovecot puts inside), mode 0755
// so services running under other uids can traverse it.
// Owns: the directory tree; the destructor removes it unless keep() was called
// (a fixture keeps it when something failed, so the logs can be read).
// Errors: common::ErrorKind::Io when the directory cannot be created.

#include <filesystem>
#include <string_view>

#include "common/result.hpp"

namespace test_support {

class TempDir {
 public:
  // `prefix` becomes the start of the directory name, e.g. "popfetchd-dovecot-".
  static common::Result<TempDir> create(std::string_view prefix);

  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&& other) noexcept;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();

  const std::filesystem::path& path() const { return path_; }
  void keep() { keep_ = true; }

 private:
  explicit TempDir(std::filesystem::path path) : path_(std::move(path)) {}
  void remove();

  std::filesystem::path path_;
  bool keep_ = false;
};

}  // namespace test_support
