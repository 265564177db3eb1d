#pragma once
// The commands of DESIGN.md §1, one function each, called by src/main.cpp
// after it parsed the command line. Each returns the process exit status and
// prints errors to stderr as one line starting with "popfetchd: ".

#include <cstdint>
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
// Connects, secures, authenticates and lists (LIST, never UIDL, RETR or
// DELE), then QUITs; prints TLS, certificate, CAPA, auth, mailbox size and
// pipelining per account. Exit 0 all ok, 1 any failed, 2 config error.
int probe_accounts(const GlobalOptions& global, const std::vector<std::string>& accounts);
// `socket` (--socket) names the health socket and skips the config; without
// it a config that does not load falls back, with a warning, to the default
// socket path.
int status(const GlobalOptions& global, bool json, const std::optional<std::string>& socket);

// list, search, export and import: an --account not in the config exits 2
// (app/accounts.hpp), like poll-once.
struct ListOptions {
  std::optional<std::string> account;
  int limit = 50;
  bool json = false;
};
int list_messages(const GlobalOptions& global, const ListOptions& options);

// Prints the best `limit` matches and "N of M matches" (or JSON with "total").
struct SearchOptions {
  std::string query;
  std::optional<std::string> account;
  int limit = 50;
  bool json = false;
};
int search_messages(const GlobalOptions& global, const SearchOptions& options);

// The stored bytes of message `id` (or its header block) to stdout; exit 1
// when there is no such message.
int show_message(const GlobalOptions& global, std::int64_t id, bool headers_only);

// Delivers the account's pending messages to its targets; with `since`
// (YYYY-MM-DD) or `all`, older archived messages are queued first.
int deliver_messages(const GlobalOptions& global, const std::string& account, const std::optional<std::string>& since,
                     bool all);

int export_archive(const GlobalOptions& global, const std::optional<std::string>& maildir,
                   const std::optional<std::string>& mbox, const std::optional<std::string>& account);

// Exactly one of maildir and mbox is set.
struct ImportOptions {
  std::optional<std::string> maildir;
  std::optional<std::string> mbox;
  std::string account;
};
// Exit 0 done, 1 failed (what was committed stays), 2 unknown account or a
// source that is not a Maildir / a file.
int import_mail(const GlobalOptions& global, const ImportOptions& options);

// A consistent copy of the archive to `file` (store/backup.hpp). Exit 0
// done, 1 failed (no partial copy is left), 2 `file` exists.
int backup_archive(const GlobalOptions& global, const std::string& file);

// Copies the config's archive into `target` (a postgresql:// URI or an
// SQLite path; store/archive_copy.hpp), then compares both per account
// (rows, bytes, SHA-256). Exit 0 copied and verified, 1 copying or
// verification failed (what was committed stays; run again to resume),
// 2 invalid config, no source archive, or `target` is the source.
int migrate_archive(const GlobalOptions& global, const std::string& target);

// Prints popfetchd YAML for the accounts of another fetcher's config FILE
// (`from`: fetchmail, getmail or mpop) to stdout. Exit 0 done, 2 unknown
// `from`, an unreadable FILE, or one that does not parse (the message names
// the line) or holds no POP3 account.
int import_config(const std::string& from, const std::string& file);

// The config path when -c was not given: $POPFETCHD_CONFIG, else the system path.
std::string default_config_path();

// Prints "popfetchd: <message>" on stderr.
void print_error(const std::string& message);

}  // namespace app
