#pragma once
// write_all: every byte of `data` to `fd`, through short writes and EINTR;
// a failure is a file_error ("writing <path>: ...") the targets classify
// like any other (file_error.hpp). Used by the Maildir and mbox writers.

#include <string>
#include <string_view>

#include "common/result.hpp"

namespace deliver {

common::Status write_all(int fd, std::string_view data, const std::string& path);

}  // namespace deliver
