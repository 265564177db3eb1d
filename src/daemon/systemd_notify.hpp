#pragma once
// SystemdNotifier: the daemon's side of systemd's Type=notify protocol, via
// libsystemd's sd_notify(): READY=1, RELOADING=1, STOPPING=1, STATUS=<line>
// and WATCHDOG=1. Without $NOTIFY_SOCKET (not started by systemd, or by a
// test that does not listen) every call does nothing, harmlessly.
//
// Owns only the last STATUS= text (to send a changed line only). Never sends
// anything but those fields; STATUS= text is cut to one line. Errors: none
// surfaced — a notification that cannot be sent is logged once at debug
// level, because the daemon must keep running without a supervisor.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace popfetchd::daemon {

class SystemdNotifier {
 public:
  void ready();
  void reloading();
  void stopping();
  void watchdog();
  // Whether anyone listens ($NOTIFY_SOCKET is set): a caller can skip
  // building a STATUS= line nobody reads.
  static bool listening();
  // Sends STATUS=<line> unless it is the line sent last.
  void status(std::string_view line);

  // WATCHDOG_USEC for this process (sd_watchdog_enabled()), when systemd
  // expects keep-alive pings; the daemon pings at half of it.
  static std::optional<std::chrono::microseconds> watchdog_interval();

 private:
  void send(const std::string& state);

  std::string last_status_;
  bool failure_logged_ = false;
};

}  // namespace popfetchd::daemon
