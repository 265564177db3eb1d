#pragma once
// Which accounts a command works on: the rule of DESIGN.md §1 that a name not
// in the config is a usage error (exit 2), in one place for every command
// that takes account names (poll-once, list, search, export, import, ...).
// Prints the error; touches nothing else.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace app {

// The accounts named (all of them when `names` is empty); nullopt after
// printing "popfetchd: <command>: no account named 'x' in <config>" when a
// name is not in the config.
std::optional<std::vector<const config::Account*>> select_accounts(const config::Config& cfg,
                                                                   const std::vector<std::string>& names,
                                                                   std::string_view command);

// The same rule for an optional --account: true when it is absent or names
// an account; false after printing the error.
bool account_is_known(const config::Config& cfg, const std::optional<std::string>& name,
                      std::string_view command);

}  // namespace app
