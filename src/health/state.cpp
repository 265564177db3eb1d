#include "health/state.hpp"

#include <algorithm>

namespace health {

bool HealthSnapshot::healthy() const {
  return std::all_of(accounts.begin(), accounts.end(), [](const AccountHealth& account) {
    return account.consecutive_failures == 0 &&
           std::none_of(account.deliveries.begin(), account.deliveries.end(),
                        [](const DeliveryHealth& target) { return target.failing; });
  });
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

}  // namespace health
