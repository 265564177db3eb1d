#include "health/status_line.hpp"

#include <cstdint>

namespace health {

std::string status_line(const HealthSnapshot& snapshot) {
  std::size_t ok = 0;
  std::size_t failing = 0;
  std::size_t waiting = 0;
  std::uint64_t stored = 0;
  for (const AccountHealth& account : snapshot.accounts) {
    if (account.consecutive_failures > 0) {
      ++failing;
    } else if (account.last_success_at > 0) {
      ++ok;
    } else {
      ++waiting;
    }
    stored += account.messages_stored;
  }
  const std::size_t total = snapshot.accounts.size();
  std::string line = std::to_string(total) + (total == 1 ? " account, " : " accounts, ") +
                     std::to_string(ok) + " ok, " + std::to_string(failing) + " failing";
  if (waiting > 0) line += ", " + std::to_string(waiting) + " waiting for the first poll";
  line += "; " + std::to_string(stored) + (stored == 1 ? " message stored" : " messages stored");
  if (!snapshot.config_last_reload_successful) line += "; config reload rejected, running the previous one";
  return line;
}

}  // namespace health
