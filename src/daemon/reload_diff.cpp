#include "daemon/reload_diff.hpp"

#include <tuple>
#include <unordered_map>

namespace popfetchd::daemon {

// Every field of config::Account but where it stands in the file: the
// defaulted operator== picks up fields added later by itself.
bool same_settings(config::Account a, config::Account b) {
  a.location = {};
  b.location = {};
  return a == b;
}

AccountsDiff diff_accounts(const std::vector<config::Account>& old_accounts,
                           const std::vector<config::Account>& new_accounts) {
  std::unordered_map<std::string, const config::Account*> old_by_name;
  for (const config::Account& account : old_accounts) old_by_name.emplace(account.name, &account);
  std::unordered_map<std::string, const config::Account*> new_by_name;
  for (const config::Account& account : new_accounts) new_by_name.emplace(account.name, &account);

  AccountsDiff diff;
  for (const config::Account& account : new_accounts) {
    auto it = old_by_name.find(account.name);
    if (it == old_by_name.end()) {
      diff.added.push_back(account.name);
    } else if (same_settings(*it->second, account)) {
      diff.unchanged.push_back(account.name);
    } else {
      diff.changed.push_back(account.name);
    }
  }
  for (const config::Account& account : old_accounts) {
    if (!new_by_name.contains(account.name)) diff.removed.push_back(account.name);
  }
  return diff;
}

bool ConfigDiff::empty() const {
  return accounts.added.empty() && accounts.removed.empty() && accounts.changed.empty() &&
         !database_changed && !health_socket_changed && !metrics_listen_changed && !log_level_changed && !max_concurrent_polls_changed &&
         !max_polls_per_server_changed;
}

ConfigDiff diff_config(const config::Config& old_config, const config::Config& new_config) {
  ConfigDiff diff;
  diff.accounts = diff_accounts(old_config.accounts, new_config.accounts);
  diff.database_changed = old_config.database != new_config.database;
  diff.health_socket_changed = old_config.health_socket != new_config.health_socket ||
                               old_config.health_socket_group != new_config.health_socket_group ||
                               old_config.health_socket_mode != new_config.health_socket_mode;
  diff.metrics_listen_changed = old_config.metrics_listen != new_config.metrics_listen;
  diff.log_level_changed = old_config.log_level != new_config.log_level;
  diff.max_concurrent_polls_changed = old_config.max_concurrent_polls != new_config.max_concurrent_polls;
  diff.max_polls_per_server_changed = old_config.max_polls_per_server != new_config.max_polls_per_server;
  return diff;
}

}  // namespace popfetchd::daemon
