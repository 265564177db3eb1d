#include "daemon/reload_diff.hpp"

#include <tuple>
#include <unordered_map>

namespace popfetchd::daemon {

bool same_password_source(const config::PasswordSource& a, const config::PasswordSource& b) {
  return a.kind == b.kind && a.value == b.value;
}

// Every field of config::Account except `location`. A field added to
// config::Account must be added here too, or a change to it would only take
// effect after a restart.
bool same_settings(const config::Account& a, const config::Account& b) {
  const auto key = [](const config::Account& x) {
    return std::tie(x.name, x.email, x.server, x.security, x.port, x.username, x.auth, x.ca_file,
                    x.poll_interval, x.timeout, x.keep, x.delete_after, x.max_message_size, x.pipelining);
  };
  return key(a) == key(b) && same_password_source(a.password, b.password);
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
         !database_changed && !health_socket_changed && !log_level_changed && !max_concurrent_polls_changed;
}

ConfigDiff diff_config(const config::Config& old_config, const config::Config& new_config) {
  ConfigDiff diff;
  diff.accounts = diff_accounts(old_config.accounts, new_config.accounts);
  diff.database_changed = old_config.database != new_config.database;
  diff.health_socket_changed = old_config.health_socket != new_config.health_socket;
  diff.log_level_changed = old_config.log_level != new_config.log_level;
  diff.max_concurrent_polls_changed = old_config.max_concurrent_polls != new_config.max_concurrent_polls;
  return diff;
}

}  // namespace popfetchd::daemon
