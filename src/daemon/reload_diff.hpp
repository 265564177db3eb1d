#pragma once
// What a SIGHUP changes: the pure comparison of the running config with a
// freshly loaded one. No I/O; the daemon decides what to do with the answer.
//
// Accounts are matched by name. "changed" means any setting that affects a
// poll differs (server, port, security, credentials' source, intervals, ...);
// the position in the file does not count. A renamed account is one removed
// and one added (its archive rows keep the old name).
//
// Owns nothing; never fails.

#include <string>
#include <vector>

#include "config/config.hpp"

namespace popfetchd::daemon {

struct AccountsDiff {
  std::vector<std::string> added;      // in the new file's order
  std::vector<std::string> removed;    // in the old file's order
  std::vector<std::string> changed;    // in the new file's order
  std::vector<std::string> unchanged;  // in the new file's order
};

struct ConfigDiff {
  AccountsDiff accounts;
  bool database_changed = false;  // refused: needs a restart
  bool health_socket_changed = false;
  bool metrics_listen_changed = false;
  bool log_level_changed = false;
  bool max_concurrent_polls_changed = false;
  bool max_polls_per_server_changed = false;
  bool empty() const;  // nothing at all differs
};

// True when both describe the same account with the same settings (where
// they stand in the file does not count).
bool same_settings(config::Account a, config::Account b);

AccountsDiff diff_accounts(const std::vector<config::Account>& old_accounts,
                           const std::vector<config::Account>& new_accounts);
ConfigDiff diff_config(const config::Config& old_config, const config::Config& new_config);

}  // namespace popfetchd::daemon
