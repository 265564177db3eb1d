#pragma once
// PollGate: asked by the Scheduler before each poll of an account whether
// this daemon polls it now. With an SQLite archive there is none (every poll
// goes ahead; the per-account lock file of store::AccountLock still keeps two
// processes apart). With PostgreSQL it is PollClaims (poll_claims.hpp): several
// daemons share the accounts.
// Errors: whatever kept the gate from deciding (Storage: the database is
// unreachable); the scheduler counts that as a failed attempt and backs off.

#include <string>

#include "common/result.hpp"

namespace popfetchd::daemon {

class PollGate {
 public:
  virtual ~PollGate() = default;
  // true: poll `account` now. false: another daemon polls it; not an error
  // and not a failure: the scheduler looks again at its next due time.
  virtual common::Result<bool> may_poll(const std::string& account) = 0;
};

}  // namespace popfetchd::daemon
