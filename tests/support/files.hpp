#pragma once
// Small file helpers for the test fixtures: whole-file read/write, atomic
// replace, and the tail of a log for error messages.
// Owns nothing; never follows a path outside the one given.
// Errors: common::ErrorKind::Io with the path and errno text.

#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace test_support {

// The file's bytes, or "" when it cannot be read (for logs that may not exist yet).
std::string read_file(const std::filesystem::path& path);

common::Status write_file(const std::filesystem::path& path, std::string_view bytes, mode_t mode = 0644);

// Writes `bytes` to "<path>.tmp" and renames it over `path`, so a reader
// (Dovecot's passwd-file check) never sees a half-written file.
common::Status replace_file(const std::filesystem::path& path, std::string_view bytes, mode_t mode = 0644);

// chown that reports failure as a Status; owner -1 keeps the current one.
common::Status change_owner(const std::filesystem::path& path, uid_t uid, gid_t gid);

// The last `lines` lines of `text`.
std::string tail_lines(std::string_view text, std::size_t lines);

}  // namespace test_support
