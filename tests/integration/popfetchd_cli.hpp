#pragma once
// The real `popfetchd` binary for tests that run it as a user would: its path
// (from CMake, $<TARGET_FILE:popfetchd>), a config file for it, and a run
// with stdout and stderr apart.
//
// Owns nothing; writes only the files it is asked to.
// Errors: Io when a file cannot be written or the binary cannot run;
// Timeout when it does not finish in time (then it is stopped).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "support/child_process.hpp"

namespace integration {

std::string popfetchd_binary();

// One `accounts:` entry of a config file (DESIGN.md §2). `extra` holds more
// account lines, each "key: value", indented by the renderer.
struct ConfigAccount {
  std::string name;
  std::string server = "127.0.0.1";
  std::uint16_t port = 110;
  std::string security = "none";
  std::string auth = "plain";
  std::string username;  // "" = name
  std::string password;
  bool keep = true;
  std::vector<std::string> extra;
};

std::string render_config(const std::string& database, const std::vector<ConfigAccount>& accounts,
                          const std::string& log_level = "info");

// Writes the config to `path` (mode 0600: it holds passwords).
common::Status write_config(const std::filesystem::path& path, const std::string& database,
                            const std::vector<ConfigAccount>& accounts,
                            const std::string& log_level = "info");

// Runs `prefix... popfetchd args...` to completion; `dir` takes the output files.
common::Result<test_support::CapturedRun> run_popfetchd(const std::vector<std::string>& args,
                                                        const std::filesystem::path& dir,
                                                        const std::vector<std::string>& environment = {},
                                                        const std::vector<std::string>& prefix = {});

// No AddressSanitizer / UndefinedBehaviorSanitizer report in popfetchd's
// stderr. (ASan exits 1 - an exit status the tests also expect for a failed
// poll - so the status alone does not show a clean run.)
bool sanitizer_clean(const std::string& stderr_text);

}  // namespace integration
