#pragma once
// Running a password_command: `/bin/sh -c command` with stdin from /dev/null,
// stdout into a pipe, stderr inherited (so the command's own complaints reach
// the terminal or journal), default signal dispositions. Owns the pipe and the
// child for the call: the pipe is closed and the child reaped before it returns.
// Blocks until the child exits or `timeout` passes (then the child's process
// group is killed). Errors are ErrorKind::Config and name the exit status,
// signal or timeout, never the command's output. The child's environment is
// ours without the variables named in `withheld_env`.

#include <chrono>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "config/config.hpp"

namespace config::detail {

common::Result<std::string> run_password_command(const std::string& command,
                                                 const std::vector<std::string>& withheld_env = {},
                                                 std::chrono::milliseconds timeout = kPasswordCommandTimeout);

}  // namespace config::detail
