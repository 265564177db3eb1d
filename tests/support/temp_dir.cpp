#include "support/temp_dir.hpp"

#include "support/files.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace test_support {
namespace {

// Unix socket paths are limited to 107 bytes; Dovecot's longest one inside
// base_dir ("<dir>/run/login/pop3" style, plus its own names) must fit.
constexpr std::size_t kMaxParentLength = 48;

std::filesystem::path temp_parent() {
  const char* env = std::getenv("TMPDIR");
  if (env != nullptr && env[0] == '/' && std::strlen(env) <= kMaxParentLength) return env;
  return "/tmp";
}

}  // namespace

common::Result<TempDir> TempDir::create(std::string_view prefix) {
  std::string pattern = (temp_parent() / (std::string(prefix) + "XXXXXX")).string();
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr) {
    return common::make_error(common::ErrorKind::Io, "mkdtemp " + pattern + ": " + std::strerror(errno));
  }
  TempDir dir{Adopt{}, std::filesystem::path(buffer.data())};
  if (::chmod(dir.path_.c_str(), 0755) != 0) {
    return common::make_error(common::ErrorKind::Io,
                              "chmod " + dir.path_.string() + ": " + std::strerror(errno));
  }
  return dir;
}

TempDir::TempDir() : TempDir(std::string_view("popfetchd-test-")) {}

TempDir::TempDir(std::string_view prefix) {
  common::Result<TempDir> made = create(prefix);
  if (!made) throw std::runtime_error(made.error().message);
  *this = std::move(*made);
}

std::string TempDir::write(std::string_view name, std::string_view content, mode_t mode) const {
  const std::string path = file(name);
  if (common::Status written = write_file(path, content, mode); !written) {
    throw std::runtime_error(written.error().message);
  }
  return path;
}

TempDir::TempDir(TempDir&& other) noexcept
    : path_(std::exchange(other.path_, {})), keep_(std::exchange(other.keep_, false)) {}

TempDir& TempDir::operator=(TempDir&& other) noexcept {
  if (this != &other) {
    remove();
    path_ = std::exchange(other.path_, {});
    keep_ = std::exchange(other.keep_, false);
  }
  return *this;
}

TempDir::~TempDir() { remove(); }

void TempDir::remove() {
  if (path_.empty() || keep_) return;
  std::error_code ignored;
  // A test may have taken the owner's rights away; give them back first.
  std::filesystem::permissions(path_, std::filesystem::perms::owner_all, std::filesystem::perm_options::add,
                               ignored);
  std::filesystem::remove_all(path_, ignored);
  path_.clear();
}

}  // namespace test_support
