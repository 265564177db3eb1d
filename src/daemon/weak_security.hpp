#pragma once
// The warning DESIGN.md §2 asks for when an account uses one of the three
// weak security modes (none, tls-if-available, starttls-if-available), logged
// under the account's name. Used by `run` (at start and for accounts a reload
// adds or changes) and by `poll-once`. No state; cannot fail.

#include "config/config.hpp"

namespace popfetchd::daemon {

void warn_about_weak_security(const config::Account& account);

}  // namespace popfetchd::daemon
