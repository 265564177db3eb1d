#pragma once
// Turns one account entry plus `defaults:` into an Account: the account's own
// value wins, the four password keys count as one setting (an account that
// names any password source ignores the defaults' source), then fills the
// built-in defaults and checks what spans keys (name, server, username,
// password source present; delete_after vs keep). Reports to the sink; returns
// nullopt when this account has any error. Reads no file.

#include <optional>

#include "config/account_fields.hpp"
#include "config/config.hpp"
#include "config/diagnostic_sink.hpp"

namespace config::detail {

std::optional<Account> build_account(const AccountFields& defaults, const AccountFields& own,
                                     DiagnosticSink& sink);

// delete_after with keep: false, when both are given in the same map (used for
// `defaults:` on its own, so that the error appears once and not per account).
void check_keep_conflict(const AccountFields& fields, DiagnosticSink& sink);

}  // namespace config::detail
