#include "daemon/start_spread.hpp"

#include <algorithm>

#include "daemon/backoff.hpp"

namespace popfetchd::daemon {

StartSpread::StartSpread(std::size_t batch, std::size_t max_concurrent, StartSpreadPolicy policy)
    : batch_(batch), max_concurrent_(std::max<std::size_t>(max_concurrent, 1)), policy_(policy) {}

std::uint64_t stable_name_hash(std::string_view name) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (const char c : name) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return hash;
}

StartSpread::Millis StartSpread::window(Millis interval) const {
  const Millis interval_ms = std::max(interval, Millis{0});
  const Millis short_window = std::min(
      {policy_.per_account * static_cast<std::int64_t>(batch_), policy_.max_short, interval_ms / 10});
  if (!spreads()) return short_window;
  const auto waves = static_cast<std::int64_t>((batch_ + max_concurrent_ - 1) / max_concurrent_);
  return std::min(interval_ms, std::max(short_window, policy_.wave * waves));
}

StartSpread::Millis StartSpread::delay(std::string_view account, Millis interval, double unit_random) const {
  if (!spreads()) {
    return first_poll_delay(batch_, interval, policy_.per_account, policy_.max_short, unit_random);
  }
  const Millis span = window(interval);
  if (span.count() <= 0) return Millis{0};
  return Millis{static_cast<std::int64_t>(stable_name_hash(account) % static_cast<std::uint64_t>(span.count()))};
}

}  // namespace popfetchd::daemon
