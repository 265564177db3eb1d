#include "health/unix_socket_file.hpp"

#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "common/log.hpp"
#include "common/sanitize.hpp"

namespace health {
namespace {

// The socket's directory: group-readable so the group that may use the
// socket (mode 0660) can reach it, closed to others.
constexpr mode_t kDirectoryMode = 0750;

common::Error io_error(const std::string& what, int error) {
  return common::make_error(common::ErrorKind::Io, what + ": " + std::strerror(error));
}

common::Status create_parent_directories(const std::filesystem::path& directory) {
  std::filesystem::path partial;
  for (const auto& component : directory) {
    partial /= component;
    struct stat st {};
    if (::stat(partial.c_str(), &st) == 0) {
      if (S_ISDIR(st.st_mode)) continue;
      return common::make_error(common::ErrorKind::Io, "cannot create directory " + partial.string() +
                                                           ": a file that is not a directory is in the way");
    }
    // EEXIST: created by someone else since the stat(); fine if a directory.
    if (::mkdir(partial.c_str(), kDirectoryMode) != 0) {
      const int error = errno;
      if (error == EEXIST && ::stat(partial.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) continue;
      return io_error("cannot create directory " + partial.string(), error);
    }
    // mkdir() applies the umask; the mode we promise is exact.
    if (::chmod(partial.c_str(), kDirectoryMode) != 0) {
      return io_error("cannot set the mode of " + partial.string(), errno);
    }
  }
  return {};
}

// Does something accept connections on the socket at `path`? A non-blocking
// connect() to a Unix socket never waits: it succeeds (or says EAGAIN when
// the backlog is full) when a listener is alive, ECONNREFUSED when not.
enum class Probe { Alive, Stale, Gone, Failed };
struct ProbeResult {
  Probe probe;
  int error;  // errno for Failed
};

ProbeResult probe_socket(const sockaddr_un& address) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return {Probe::Failed, errno};
  const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address));
  const int error = rc == 0 ? 0 : errno;
  ::close(fd);
  if (rc == 0 || error == EAGAIN) return {Probe::Alive, 0};
  if (error == ECONNREFUSED) return {Probe::Stale, 0};
  if (error == ENOENT) return {Probe::Gone, 0};
  return {Probe::Failed, error};
}

}  // namespace

common::Result<sockaddr_un> unix_socket_address(const std::string& path) {
  sockaddr_un address{};
  constexpr std::size_t kMaxPath = sizeof(address.sun_path) - 1;
  if (path.empty()) return common::make_error(common::ErrorKind::Config, "the health socket path is empty");
  if (path.size() > kMaxPath) {
    return common::make_error(common::ErrorKind::Config,
                              "health socket path " + path + " is too long (" + std::to_string(path.size()) +
                                  " bytes, at most " + std::to_string(kMaxPath) + ")");
  }
  if (path.find('\0') != std::string::npos) {
    return common::make_error(common::ErrorKind::Config, "health socket path contains a NUL byte");
  }
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  return address;
}

common::Status prepare_socket_path(const std::string& path) {
  const auto address = unix_socket_address(path);
  if (!address) return address.error();

  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    if (auto status = create_parent_directories(parent); !status) return status;
  }

  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return {};
    return io_error("cannot inspect " + path, errno);
  }
  if (!S_ISSOCK(st.st_mode)) {
    return common::make_error(common::ErrorKind::Io, path + " exists and is not a socket; not replacing it");
  }
  const ProbeResult probe = probe_socket(*address);
  switch (probe.probe) {
    case Probe::Alive:
      return common::make_error(common::ErrorKind::Io, "another process is listening on " + path +
                                                           " (is popfetchd already running?)");
    case Probe::Gone:
      return {};
    case Probe::Failed:
      return io_error("cannot check whether " + path + " is in use", probe.error);
    case Probe::Stale:
      break;
  }
  // Between the probe and the unlink another daemon could bind the same path;
  // both would then have to be started at the same instant, which systemd's
  // one-instance unit rules out.
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    return io_error("cannot remove stale socket " + path, errno);
  common::log_info("", "removed stale health socket " + path);
  return {};
}

std::optional<FileIdentity> identify_file(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return std::nullopt;
  return FileIdentity{st.st_dev, st.st_ino};
}

void remove_socket_file(const std::string& path, const FileIdentity& identity) {
  if (identify_file(path) == identity) ::unlink(path.c_str());
}

common::Status apply_socket_access(const std::string& path, const SocketAccess& access) {
  if (!access.group.empty()) {
    std::vector<char> buffer(16 * 1024);
    group entry{};
    group* found = nullptr;
    const int rc = ::getgrnam_r(access.group.c_str(), &entry, buffer.data(), buffer.size(), &found);
    if (found == nullptr) {
      return common::make_error(common::ErrorKind::Config,
                                "health_socket_group: no group named '" + common::sanitize(access.group) + "'" +
                                    (rc != 0 ? std::string(" (") + std::strerror(rc) + ")" : std::string()));
    }
    if (::chown(path.c_str(), static_cast<uid_t>(-1), found->gr_gid) != 0) {
      const int error = errno;
      return common::make_error(common::ErrorKind::Io, "cannot give " + path + " to group '" + access.group +
                                                           "': " + std::strerror(error) +
                                                           " (the daemon's user must be a member of it)");
    }
  }
  if (::chmod(path.c_str(), access.mode) != 0) {
    const int error = errno;
    return common::make_error(common::ErrorKind::Io, "cannot set the mode of " + path + ": " + std::strerror(error));
  }
  return {};
}

}  // namespace health
