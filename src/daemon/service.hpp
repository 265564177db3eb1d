#pragma once
// Service: the running daemon (`popfetchd run`, DESIGN.md §1 and §4) on one
// libuv loop — the scheduler and its polls, the health socket, signals and
// systemd notifications wired together.
//
//   SIGTERM, SIGINT  stop starting polls and deliveries; running polls finish
//                    their current message, commit and QUIT, running
//                    deliveries their current message; after
//                    `shutdown_grace` (15 s) the rest are closed hard (a
//                    second signal does that at once). Then the open batch is committed and every handle
//                    closed, so the loop ends. Nothing is half-stored: a
//                    message is stored whole in a committed batch or not at
//                    all, and DELE only ever follows a commit.
//   SIGHUP           reload the config file: accounts are added, removed and
//                    changed without dropping sessions in flight; an invalid
//                    file is rejected (every diagnostic logged) and the
//                    running config stays, which the snapshot reports
//                    (config_last_reload_successful, config_error: /health,
//                    /metrics and `status` show it) until a reload succeeds; a new `database` is refused with a
//                    warning (needs a restart); health_socket,
//                    metrics_listen, log_level, max_concurrent_polls and
//                    max_polls_per_server apply
//                    at once; delivery targets
//                    are set anew and failed deliveries are retried.
//   SIGUSR1          poll every account now.
//   systemd          READY=1 once the loop runs and the health socket
//                    listens; STATUS=<summary> as polls end; RELOADING=1 and
//                    READY=1 around a reload; STOPPING=1; WATCHDOG=1 at half
//                    of WATCHDOG_USEC when set.
//
// Owns the ArchiveWriter, the PollRunner, the PollClaims (a PostgreSQL
// archive shared with other daemons: poll_claims.hpp), the Scheduler, the accounts' hooks
// (daemon/hook_runner.hpp), the delivery
// Queue (deliver/queue.hpp: new messages reach their targets after each
// commit), the HealthServer and the metrics listener (a second HealthServer
// on TCP with the read-only routes),
// the signal handles and its timers. Borrows the archive and the digests
// (they must outlive it). Never blocks the loop except for SQLite writes and
// reading the config file on SIGHUP. Not thread-safe: the loop's thread.
// Errors: start() returns Io/Config when the health socket or a signal
// cannot be set up; later failures are logged and the daemon keeps running.

#include <uv.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/result.hpp"
#include "config/config.hpp"
#include "daemon/password_lookup.hpp"
#include "daemon/poll_claims.hpp"
#include "deliver/queue.hpp"
#include "deliver/targets.hpp"
#include "daemon/scheduler.hpp"
#include "daemon/signal_set.hpp"
#include "daemon/systemd_notify.hpp"
#include "net/uv.hpp"
#include "fetch/archive_writer.hpp"
#include "fetch/poll_runner.hpp"
#include "health/server.hpp"
#include "health/state.hpp"
#include "pop3/digests.hpp"
#include "store/archive.hpp"

namespace popfetchd::daemon {

struct ServiceOptions {
  Millis shutdown_grace{15'000};
  SchedulerTuning tuning;
  // Runs on the thread pool; config::resolve_password unless a test says otherwise.
  PasswordResolver resolve_password;
  // Reads the config file on SIGHUP; config::load_file unless a test says otherwise.
  std::function<config::LoadResult(const std::string& path)> load_config;
  // Makes the polls; fetch::AccountPoll (account_poll_factory) unless a test
  // says otherwise. Called with the service's writer.
  std::function<fetch::PollFactory(uv_loop_t* loop, fetch::ArchiveWriter& writer,
                                   const pop3::Digests& digests)>
      poll_factory;
  // Makes the delivery targets; deliver::make_target unless a test says otherwise.
  deliver::TargetFactory target_factory;
  // The accounts' hooks (on_failure, on_new_mail) are killed after this.
  Millis hook_time_limit = kHookTimeLimit;
};

class Service {
 public:
  Service(uv_loop_t* loop, config::Config config, store::Archive& archive, const pop3::Digests& digests,
          ServiceOptions options = {});
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;
  ~Service();

  // Starts the health socket (unless health_socket is ""), the metrics
  // listener (when metrics_listen is set; a port in use is an error), the signal
  // handlers, the watchdog and the scheduler. READY=1 follows on the loop's
  // first turn. On error nothing keeps the loop alive.
  common::Status start();

  // What the signals do; public for tests.
  void reload();    // SIGHUP
  void poll_all();  // SIGUSR1
  void shutdown();  // SIGTERM, SIGINT

  // Shutdown finished: the loop ends once the last handles have closed.
  bool stopped() const { return stopped_; }
  // A password lookup never answered within the shutdown bound: the loop was
  // stopped with work outstanding and must not be closed.
  bool loop_abandoned() const { return loop_abandoned_; }

  health::HealthSnapshot snapshot();
  const config::Config& config() const { return config_; }
  // The metrics listener's TCP port; 0 when there is none.
  std::uint16_t metrics_port() const { return metrics_ ? metrics_->port() : 0; }

 private:
  health::HealthCallbacks health_callbacks();
  common::Status start_health_server(const std::string& path);
  void switch_health_socket(config::Config& next);
  common::Status start_metrics_listener(const config::ListenAddress& address);
  void switch_metrics_listener(config::Config& next);
  void refresh_archive_totals();
  void on_scheduler_change();
  // STATUS= for systemd, at most once per kStatusLineDelay.
  void schedule_status();
  void on_shutdown_deadline();
  void finish_shutdown();
  void configure_deliveries(const std::vector<std::string>& removed);
  health::PollRequest request_delivery(const std::optional<std::string>& account);
  void add_delivery_health(health::HealthSnapshot& snapshot);

  uv_loop_t* loop_;
  ServiceOptions options_;
  config::Config config_;
  store::Archive& archive_;
  fetch::ArchiveWriter writer_;
  fetch::PollRunner runner_;
  // Outlives the scheduler, which starts the hooks; reset when the daemon
  // stops, so that a hook still running does not keep it waiting.
  std::unique_ptr<HookRunner> hooks_;
  // Several daemons on one PostgreSQL archive: which accounts this one polls.
  // Null with SQLite. Released once the polls have stopped.
  std::unique_ptr<PollClaims> claims_;
  Scheduler scheduler_;
  deliver::Queue queue_;
  SystemdNotifier notifier_;
  std::unique_ptr<health::HealthServer> health_;
  std::unique_ptr<health::HealthServer> metrics_;  // metrics_listen; null when off
  SignalSet signals_;
  net::UvHandlePtr<uv_timer_t> ready_timer_;
  net::UvHandlePtr<uv_timer_t> watchdog_timer_;
  net::UvHandlePtr<uv_timer_t> shutdown_timer_;
  net::UvHandlePtr<uv_timer_t> status_timer_;  // a STATUS= update is due; null otherwise
  std::int64_t started_at_ = 0;
  // The last SIGHUP's outcome, for the snapshot.
  bool last_reload_ok_ = true;
  std::int64_t last_reload_at_ = 0;
  std::int64_t config_loaded_at_ = 0;
  std::optional<std::string> reload_error_;
  bool shutting_down_ = false;
  bool polls_stopped_ = false;
  bool deliveries_stopped_ = false;
  bool stopped_ = false;
  bool loop_abandoned_ = false;
};

// The whole life of `popfetchd run` once the config is loaded and the
// archive open: a loop, a Service, run until shutdown, close the loop.
// Returns the start error, or ok after a clean shutdown.
common::Status run_service(config::Config config, store::Archive& archive, const pop3::Digests& digests,
                           ServiceOptions options = {});

}  // namespace popfetchd::daemon
