#pragma once
// Opening the archive for the commands that write to it (run, poll-once):
// creates the database's parent directory when it is missing (mode 0700,
// like systemd's StateDirectory=) and then store::Archive::open.

#include <string>

#include "common/result.hpp"
#include "store/archive.hpp"

namespace app {

common::Result<store::Archive> open_archive_for_writing(const std::string& path);

}  // namespace app
