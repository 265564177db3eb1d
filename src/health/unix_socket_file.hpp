#pragma once
// The file system side of a listening Unix socket: making its path ready to
// bind (parent directory, stale socket file) and removing it again.
//
// Owns nothing; touches only the socket path and its missing parent
// directories. Never removes anything that is not a socket, nor a socket
// another process still listens on. Errors: Config (unusable path), Io
// (directory cannot be created, path taken by a file or a live socket).

#include <sys/types.h>
#include <sys/un.h>

#include <optional>
#include <string>

#include "common/result.hpp"

namespace health {

// The address of the Unix socket at `path`. Config error when the path is
// empty, holds a NUL byte or does not fit sun_path (libuv would silently
// truncate it and bind somewhere else).
common::Result<sockaddr_un> unix_socket_address(const std::string& path);

// Creates the missing parent directories (mode 0750) and removes a stale
// socket file at `path`: one that is a socket and refuses connections.
// Refuses a path that is too long for sockaddr_un, a non-socket file, and a
// socket that accepts a connection (another daemon is alive there).
common::Status prepare_socket_path(const std::string& path);

// Who may connect to the socket: its group ("" leaves the process's group)
// and its mode.
struct SocketAccess {
  std::string group;
  mode_t mode = 0660;
};

// Gives the socket at `path` the group and mode of `access`. Errors: Config
// (no such group), Io (chown or chmod refused; a group the daemon is not a
// member of needs root).
common::Status apply_socket_access(const std::string& path, const SocketAccess& access);

// Which file a path names, to remove only the socket we created ourselves.
struct FileIdentity {
  dev_t device = 0;
  ino_t inode = 0;
  bool operator==(const FileIdentity&) const = default;
};
std::optional<FileIdentity> identify_file(const std::string& path);

// Unlinks `path` if it still names the file `identity` (a later daemon may
// have replaced it; that socket is not ours to remove).
void remove_socket_file(const std::string& path, const FileIdentity& identity);

}  // namespace health
