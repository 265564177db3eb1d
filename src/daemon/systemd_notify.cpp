#include "daemon/systemd_notify.hpp"

#include <string.h>
#include <systemd/sd-daemon.h>

#include <cstdint>
#include <cstdlib>

#include "common/log.hpp"
#include "common/sanitize.hpp"

namespace popfetchd::daemon {
namespace {

// systemd shows STATUS= on one line of `systemctl status`.
constexpr std::size_t kMaxStatusLength = 200;

}  // namespace

void SystemdNotifier::send(const std::string& state) {
  // unset_environment = 0: NOTIFY_SOCKET stays set for the next notification.
  const int sent = sd_notify(0, state.c_str());
  if (sent < 0 && !failure_logged_) {
    failure_logged_ = true;
    common::log_debug("", std::string("cannot notify systemd: ") + strerror(-sent));
  }
}

void SystemdNotifier::ready() { send("READY=1"); }
void SystemdNotifier::reloading() { send("RELOADING=1"); }
void SystemdNotifier::stopping() { send("STOPPING=1"); }
void SystemdNotifier::watchdog() { send("WATCHDOG=1"); }

bool SystemdNotifier::listening() {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  return socket != nullptr && *socket != '\0';
}

void SystemdNotifier::status(std::string_view line) {
  const std::string text = common::sanitize(line, kMaxStatusLength);
  if (text == last_status_) return;
  last_status_ = text;
  send("STATUS=" + text);
}

std::optional<std::chrono::microseconds> SystemdNotifier::watchdog_interval() {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  return std::chrono::microseconds{static_cast<std::int64_t>(usec)};
}

}  // namespace popfetchd::daemon
