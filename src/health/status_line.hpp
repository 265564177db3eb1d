#pragma once
// The one-line summary systemd shows in `systemctl status` (sd_notify
// STATUS=): "3 accounts, 2 ok, 1 failing; 1234 messages stored". A pure
// function of a health snapshot; never fails.
//
//   ok       the last poll succeeded
//   failing  a failure since the last success (includes an unresolvable password)
//   waiting  not polled yet (only shown when there are any)

#include <string>

#include "health/state.hpp"

namespace health {

std::string status_line(const HealthSnapshot& snapshot);

}  // namespace health
