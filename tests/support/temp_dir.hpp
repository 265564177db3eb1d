#pragma once
// TempDir: a private directory made with mkdtemp() under $TMPDIR (or /tmp when
// that path is too long for the Unix sockets Dovecot puts inside), mode 0755
// so services running under other uids can traverse it.
// Owns: the directory tree; the destructor removes it unless keep() was called
// (a fixture keeps it when something failed, so the logs can be read).
// Errors: create() returns common::ErrorKind::Io when the directory cannot be
// made; the constructor and write() throw std::runtime_error instead, for
// tests that keep the directory as a member or a local.

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace test_support {

class TempDir {
 public:
  // `prefix` becomes the start of the directory name, e.g. "popfetchd-dovecot-".
  static common::Result<TempDir> create(std::string_view prefix);
  // The same, throwing on failure; the default prefix is "popfetchd-test-".
  TempDir();
  explicit TempDir(std::string_view prefix);

  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&& other) noexcept;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();

  const std::filesystem::path& path() const { return path_; }
  void keep() { keep_ = true; }

  // "<dir>/<name>", as a string for the APIs that take one.
  std::string file(std::string_view name) const { return (path_ / name).string(); }
  // Writes `content` to <dir>/<name> with `mode` and returns its path.
  std::string write(std::string_view name, std::string_view content, mode_t mode = 0600) const;

 private:
  struct Adopt {};  // takes over a directory create() has made
  TempDir(Adopt, std::filesystem::path path) : path_(std::move(path)) {}
  void remove();

  std::filesystem::path path_;
  bool keep_ = false;
};

}  // namespace test_support
