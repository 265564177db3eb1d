#include "health/state.hpp"

#include <algorithm>

namespace health {

bool HealthSnapshot::healthy() const {
  if (leases && leases->last_error) return false;
  return config_last_reload_successful && std::all_of(accounts.begin(), accounts.end(), [](const AccountHealth& account) {
    return account.consecutive_failures == 0 &&
           std::none_of(account.deliveries.begin(), account.deliveries.end(),
                        [](const DeliveryHealth& target) { return target.failing; });
  });
}

void DurationHistogram::observe(double seconds) {
  seconds = std::max(0.0, seconds);
  const auto bound = std::lower_bound(kPollDurationBounds.begin(), kPollDurationBounds.end(), seconds);
  ++in_bucket[static_cast<std::size_t>(bound - kPollDurationBounds.begin())];
  ++count;
  sum_seconds += seconds;
}

std::string_view to_string(AccountHealth::State state) {
  switch (state) {
    case AccountHealth::State::Idle:
      return "idle";
    case AccountHealth::State::Polling:
      return "polling";
    case AccountHealth::State::Backoff:
      return "backoff";
  }
  return "idle";
}

std::string_view to_string(FailureReason reason) {
  switch (reason) {
    case FailureReason::Auth:
      return "auth";
    case FailureReason::Tls:
      return "tls";
    case FailureReason::Io:
      return "io";
    case FailureReason::Timeout:
      return "timeout";
    case FailureReason::Protocol:
      return "protocol";
    case FailureReason::Storage:
      return "storage";
    case FailureReason::Other:
      break;
  }
  return "other";
}

FailureReason failure_reason(common::ErrorKind kind) {
  switch (kind) {
    case common::ErrorKind::Auth:
      return FailureReason::Auth;
    case common::ErrorKind::Tls:
      return FailureReason::Tls;
    case common::ErrorKind::Io:
      return FailureReason::Io;
    case common::ErrorKind::Timeout:
      return FailureReason::Timeout;
    case common::ErrorKind::Protocol:
      return FailureReason::Protocol;
    case common::ErrorKind::Storage:
      return FailureReason::Storage;
    case common::ErrorKind::TempFail:
    case common::ErrorKind::PermFail:
    case common::ErrorKind::Config:
    case common::ErrorKind::Aborted:
      break;
  }
  return FailureReason::Other;
}

}  // namespace health
