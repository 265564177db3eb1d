#include "support/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

namespace test_support {
namespace {

common::Error io_error(const std::string& what, const std::filesystem::path& path, int error) {
  return common::make_error(common::ErrorKind::Io, what + " " + path.string() + ": " + std::strerror(error));
}

}  // namespace

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

common::Status write_file(const std::filesystem::path& path, std::string_view bytes, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return io_error("open", path, errno);
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      ::close(fd);
      return io_error("write", path, error);
    }
    done += static_cast<std::size_t>(n);
  }
  // open() applies the umask; the fixtures need the exact mode (0755 trees).
  if (::fchmod(fd, mode) != 0) {
    const int error = errno;
    ::close(fd);
    return io_error("chmod", path, error);
  }
  if (::close(fd) != 0) return io_error("close", path, errno);
  return {};
}

common::Status replace_file(const std::filesystem::path& path, std::string_view bytes, mode_t mode) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  if (auto written = write_file(tmp, bytes, mode); !written) return written;
  if (::rename(tmp.c_str(), path.c_str()) != 0) return io_error("rename to", path, errno);
  return {};
}

common::Status change_owner(const std::filesystem::path& path, uid_t uid, gid_t gid) {
  if (::chown(path.c_str(), uid, gid) != 0) return io_error("chown", path, errno);
  return {};
}

std::string tail_lines(std::string_view text, std::size_t lines) {
  std::size_t pos = text.size();
  // Skip a final newline so "a\nb\n" with lines=1 gives "b\n", not "".
  if (pos > 0 && text[pos - 1] == '\n') --pos;
  std::size_t found = 0;
  while (pos > 0) {
    if (text[pos - 1] == '\n' && ++found == lines) break;
    --pos;
  }
  return std::string(text.substr(pos));
}

}  // namespace test_support
