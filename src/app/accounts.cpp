#include "app/accounts.hpp"

#include "app/commands.hpp"

namespace app {

std::optional<std::vector<const config::Account*>> select_accounts(const config::Config& cfg,
                                                                   const std::vector<std::string>& names,
                                                                   std::string_view command) {
  std::vector<const config::Account*> selected;
  if (names.empty()) {
    for (const config::Account& account : cfg.accounts) selected.push_back(&account);
    return selected;
  }
  for (const std::string& name : names) {
    const config::Account* account = cfg.find_account(name);
    if (account == nullptr) {
      print_error(std::string(command) + ": no account named '" + name + "' in " + cfg.path);
      return std::nullopt;
    }
    selected.push_back(account);
  }
  return selected;
}

bool account_is_known(const config::Config& cfg, const std::optional<std::string>& name,
                      std::string_view command) {
  if (!name) return true;
  return select_accounts(cfg, {*name}, command).has_value();
}

}  // namespace app
