#pragma once
// The commands of DESIGN.md §1, one function each, called by src/main.cpp
// after it parsed the command line. Each returns the process exit status and
// prints errors to stderr as one line starting with "popfetchd: ".

#include <optional>
#include <string>
#include <vector>

namespace app {

// Exit statuses shared by the commands (DESIGN.md §1).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;       // poll-once: an account failed; status: degraded
inline constexpr int kExitUsage = 2;        // bad command line or invalid config
inline constexpr int kExitUnreachable = 3;  // status: the daemon did not answer

struct GlobalOptions {
  std::string config_path;
};

// Exit 0 when the file is valid (warnings are printed); with `strict`, any
// warning (a footgun, a password source that cannot be resolved) also exits 2.
int check_config(const GlobalOptions& global, bool strict);
int run_daemon(const GlobalOptions& global);
int poll_once(const GlobalOptions& global, const std::vector<std::string>& accounts);
int status(const GlobalOptions& global, bool json);
int list_messages(const GlobalOptions& global, const std::optional<std::string>& account, int limit);
int search_messages(const GlobalOptions& global, const std::string& query,
                    const std::optional<std::string>& account);
// Delivers the account's pending messages to its targets; with `since`
// (YYYY-MM-DD) or `all`, older archived messages are queued first.
int deliver_messages(const GlobalOptions& global, const std::string& account, const std::optional<std::string>& since,
                     bool all);
int export_archive(const GlobalOptions& global, const std::optional<std::string>& maildir,
                   const std::optional<std::string>& mbox, const std::optional<std::string>& account);

// The config path when -c was not given: $POPFETCHD_CONFIG, else the system path.
std::string default_config_path();

// Prints "popfetchd: <message>" on stderr.
void print_error(const std::string& message);

}  // namespace app
