#include "daemon/outage_watch.hpp"

namespace popfetchd::daemon {

bool network_failure(common::ErrorKind kind) {
  switch (kind) {
    case common::ErrorKind::Io:
    case common::ErrorKind::Timeout:
    case common::ErrorKind::Tls:
      return true;
    default:
      return false;
  }
}

std::optional<std::chrono::milliseconds> OutageWatch::on_failure(common::ErrorKind kind,
                                                                 std::uint64_t now_ms) {
  if (!network_failure(kind)) return std::nullopt;
  if (!since_ms_) since_ms_ = now_ms;
  const std::uint64_t lasted = now_ms > *since_ms_ ? now_ms - *since_ms_ : 0;
  const std::chrono::milliseconds span{static_cast<std::int64_t>(lasted)};
  if (reported_ || span < error_after_) return std::nullopt;
  reported_ = true;
  return span;
}

void OutageWatch::on_success() {
  since_ms_.reset();
  reported_ = false;
}

}  // namespace popfetchd::daemon
