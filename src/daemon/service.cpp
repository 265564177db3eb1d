#include "daemon/service.hpp"

#include <signal.h>

#include <ctime>
#include <memory>
#include <stdexcept>
#include <utility>

#include "common/log.hpp"
#include "common/sanitize.hpp"
#include "daemon/password_lookup.hpp"
#include "daemon/reload_diff.hpp"
#include "daemon/weak_security.hpp"
#include "health/status_line.hpp"
#include "store/pg/conninfo.hpp"
#include "version.hpp"

namespace popfetchd::daemon {
namespace {

std::int64_t wall_now() { return static_cast<std::int64_t>(std::time(nullptr)); }

// uv_timer_init cannot fail (it only fills in the struct).
net::UvHandlePtr<uv_timer_t> make_timer(uv_loop_t* loop, void* data) {
  net::UvHandlePtr<uv_timer_t> timer = net::make_timer(loop);
  timer->data = data;
  return timer;
}

std::uint64_t to_uv_ms(Millis duration) {
  return static_cast<std::uint64_t>(std::max<std::int64_t>(0, duration.count()));
}

ServiceOptions with_defaults(ServiceOptions options) {
  if (!options.resolve_password) options.resolve_password = &config::resolve_password;
  if (!options.load_config) options.load_config = &config::load_file;
  if (!options.poll_factory) options.poll_factory = &fetch::account_poll_factory;
  if (!options.target_factory) options.target_factory = &deliver::make_target;
  return options;
}

health::SocketAccess socket_access(const config::Config& config) {
  return health::SocketAccess{config.health_socket_group, static_cast<mode_t>(config.health_socket_mode)};
}

std::string plural(std::size_t count, const char* one, const char* many) {
  return std::to_string(count) + " " + (count == 1 ? one : many);
}

}  // namespace

Service::Service(uv_loop_t* loop, config::Config config, store::Archive& archive,
                 const pop3::Digests& digests, ServiceOptions options)
    : loop_(loop),
      options_(with_defaults(std::move(options))),
      config_(std::move(config)),
      archive_(archive),
      writer_(loop, archive, fetch::ArchiveWriter::Limits{}),
      runner_(fetch::with_token_refresh(options_.poll_factory(loop, writer_, digests),
                                        pool_token_refresh(loop, options_.resolve_password)),
              config_.max_concurrent_polls, config_.max_polls_per_server),
      hooks_(std::make_unique<HookRunner>(loop, options_.hook_time_limit)),
      claims_(make_poll_claims(loop, config_)),
      scheduler_(loop, runner_, options_.resolve_password, options_.tuning),
      queue_(loop, writer_, config_.database, deliver::Queue::Options{}),
      signals_(loop) {}

Service::~Service() {
  // An uncommitted batch holds complete messages whose DELE has not gone
  // out: storing them is always right.
  if (writer_.has_uncommitted()) (void)writer_.commit();
}

common::Status Service::start() {
  started_at_ = wall_now();
  config_loaded_at_ = started_at_;
  if (!config_.health_socket.empty()) {
    if (common::Status started = start_health_server(config_.health_socket); !started) return started;
  }
  if (config_.metrics_listen) {
    if (common::Status started = start_metrics_listener(*config_.metrics_listen); !started) {
      health_.reset();
      return started;
    }
  }
  const std::pair<int, void (Service::*)()> handlers[] = {{SIGTERM, &Service::shutdown},
                                                          {SIGINT, &Service::shutdown},
                                                          {SIGHUP, &Service::reload},
                                                          {SIGUSR1, &Service::poll_all}};
  for (const auto& [signum, handler] : handlers) {
    if (common::Status watching = signals_.watch(signum, [this, handler = handler] { (this->*handler)(); });
        !watching) {
      health_.reset();
      metrics_.reset();
      signals_.close();
      return watching;
    }
  }

  if (auto interval = SystemdNotifier::watchdog_interval()) {
    watchdog_timer_ = make_timer(loop_, this);
    const auto half = std::chrono::duration_cast<Millis>(*interval / 2);
    uv_timer_start(
        watchdog_timer_.get(),
        [](uv_timer_t* timer) { static_cast<Service*>(timer->data)->notifier_.watchdog(); }, 0,
        to_uv_ms(std::max(half, Millis{1})));
    common::log_debug("", "systemd watchdog: pinging every " + std::to_string(half.count()) + " ms");
  }

  for (const config::Account& account : config_.accounts) warn_about_weak_security(account);
  scheduler_.set_on_change([this] { on_scheduler_change(); });
  scheduler_.set_hooks(hooks_.get());
  if (claims_) {
    claims_->start();
    scheduler_.set_poll_gate(claims_.get());
  }
  scheduler_.start(config_);
  configure_deliveries({});
  refresh_archive_totals();  // after start(): the totals go to the accounts' slots

  // The first loop turn: the loop runs and the socket listens.
  ready_timer_ = make_timer(loop_, this);
  uv_timer_start(
      ready_timer_.get(),
      [](uv_timer_t* timer) {
        auto* self = static_cast<Service*>(timer->data);
        self->notifier_.ready();
        self->notifier_.status(health::status_line(self->snapshot()));
        self->ready_timer_.reset();
      },
      0, 0);
  common::log_info("", "started: " + plural(config_.accounts.size(), "account", "accounts") + ", at most " +
                           std::to_string(config_.max_concurrent_polls) + " polls at once, archive " +
                           store::pg::sanitize_conninfo(config_.database) +
                           (config_.health_socket.empty() ? ", no health socket"
                                                          : ", health socket " + config_.health_socket));
  return {};
}

health::HealthCallbacks Service::health_callbacks() {
  health::HealthCallbacks callbacks;
  callbacks.snapshot = [this] { return snapshot(); };
  callbacks.request_poll = [this](std::optional<std::string> account) {
    return scheduler_.request_poll(account);
  };
  callbacks.request_delivery = [this](std::optional<std::string> account) { return request_delivery(account); };
  return callbacks;
}

void Service::configure_deliveries(const std::vector<std::string>& removed) {
  // Errors are logged per account by configure_accounts; the daemon goes on polling.
  (void)deliver::configure_accounts(queue_, loop_, config_, removed, options_.target_factory);
}

health::PollRequest Service::request_delivery(const std::optional<std::string>& account) {
  if (shutting_down_) return health::PollRequest::ShuttingDown;
  if (account && config_.find_account(*account) == nullptr) return health::PollRequest::UnknownAccount;
  for (const config::Account& each : config_.accounts) {
    if ((account && each.name != *account) || each.deliver.empty()) continue;
    if (auto retried = queue_.retry(each.name); !retried) {
      common::log_error(each.name, "delivery: " + retried.error().message);
    }
  }
  return health::PollRequest::Accepted;
}

void Service::add_delivery_health(health::HealthSnapshot& snapshot) {
  auto totals = queue_.log().totals();
  if (!totals) {
    common::log_warn("", "cannot count deliveries: " + totals.error().message);
    return;
  }
  const auto lanes = queue_.status();
  for (health::AccountHealth& account : snapshot.accounts) {
    for (const store::DeliveryTotals& row : *totals) {
      if (row.account != account.name || !row.active) continue;
      health::DeliveryHealth target;
      target.target = row.target;
      target.delivered = static_cast<std::uint64_t>(row.delivered);
      target.pending = static_cast<std::uint64_t>(row.pending);
      target.failed = static_cast<std::uint64_t>(row.failed);
      target.failing = row.failed > 0 || row.attempts_failing > 0;
      for (const auto& lane : lanes) {
        if (lane.account == row.account && lane.key == row.target && lane.failing) target.failing = true;
      }
      if (!row.last_error.empty()) target.last_error = row.last_error;
      account.deliveries.push_back(std::move(target));
    }
  }
}

common::Status Service::start_health_server(const std::string& path) {
  auto server = std::make_unique<health::HealthServer>(loop_, health_callbacks());
  if (common::Status started = server->start(path, socket_access(config_)); !started) {
    return common::make_error(started.error().kind, "health socket: " + started.error().message);
  }
  health_ = std::move(server);
  return {};
}

common::Status Service::start_metrics_listener(const config::ListenAddress& address) {
  auto server = std::make_unique<health::HealthServer>(loop_, health_callbacks());
  if (common::Status started = server->start_tcp(address); !started) {
    return common::make_error(started.error().kind, "metrics_listen: " + started.error().message);
  }
  metrics_ = std::move(server);
  return {};
}

void Service::switch_metrics_listener(config::Config& next) {
  // The old port may be the new one's (a changed host): close first. If the
  // new one fails, there is no listener until a reload fixes it; the
  // snapshot still says so through the scrape failing, which alerts.
  metrics_.reset();
  if (!next.metrics_listen) {
    common::log_info("", "reload: metrics listener closed");
    return;
  }
  if (common::Status started = start_metrics_listener(*next.metrics_listen); !started) {
    common::log_error("", "reload: " + started.error().message + "; no metrics listener");
    next.metrics_listen.reset();
  }
}

health::HealthSnapshot Service::snapshot() {
  health::HealthSnapshot snapshot;
  snapshot.version = popfetchd::kVersion;
  snapshot.started_at = started_at_;
  snapshot.now = wall_now();
  snapshot.accounts = scheduler_.health();
  snapshot.config_last_reload_successful = last_reload_ok_;
  snapshot.config_last_reload_timestamp_seconds = last_reload_at_;
  snapshot.config_last_reload_success_timestamp_seconds = config_loaded_at_;
  snapshot.config_error = reload_error_;
  add_delivery_health(snapshot);
  if (claims_) claims_->fill(snapshot);
  return snapshot;
}

void Service::refresh_archive_totals() {
  // One GROUP BY over the archive: at start and after a reload only; polls
  // add their own counts in between.
  auto totals = archive_.totals();
  if (!totals) {
    common::log_warn("", "cannot count the archive's messages: " + totals.error().message);
    return;
  }
  scheduler_.set_archive_totals(*totals);
}

void Service::on_scheduler_change() {
  if (stopped_) {
    // Shutdown waits for nothing but password lookups now.
    if (scheduler_.pending_password_lookups() == 0) shutdown_timer_.reset();
    return;
  }
  schedule_status();
}

// A poll's start and end each change the status; with 10,000 accounts,
// building the whole snapshot for each of them costs more than the polls.
// The line shown by `systemctl status` may lag by a second instead.
constexpr Millis kStatusLineDelay{1000};

void Service::schedule_status() {
  if (!notifier_.listening() || status_timer_) return;
  status_timer_ = make_timer(loop_, this);
  uv_timer_start(
      status_timer_.get(),
      [](uv_timer_t* timer) {
        auto* self = static_cast<Service*>(timer->data);
        self->status_timer_.reset();
        self->notifier_.status(health::status_line(self->snapshot()));
      },
      to_uv_ms(kStatusLineDelay), 0);
}

// --- signals

void Service::poll_all() {
  if (shutting_down_) return;
  common::log_info("", "SIGUSR1: polling every account now");
  scheduler_.request_poll(std::nullopt);
}

void Service::reload() {
  if (shutting_down_) return;
  notifier_.reloading();
  common::log_info("", "SIGHUP: reloading " + config_.path);
  config::LoadResult loaded = options_.load_config(config_.path);
  last_reload_at_ = wall_now();
  if (!loaded.ok()) {
    for (const config::Diagnostic& error : loaded.errors)
      common::log_error("", "reload: " + error.to_string());
    common::log_error("", "reload rejected: " + config_.path + " is invalid (" +
                              plural(loaded.errors.size(), "error", "errors") +
                              "); the running configuration stays in force");
    // Visible until a reload succeeds: /health degraded, /metrics, `status`.
    last_reload_ok_ = false;
    reload_error_ = loaded.errors.empty() ? "the config file is invalid"
                                          : common::sanitize(loaded.errors.front().to_string(), 500);
    notifier_.ready();
    notifier_.status(health::status_line(snapshot()));
    return;
  }
  last_reload_ok_ = true;
  config_loaded_at_ = last_reload_at_;
  reload_error_.reset();
  config::Config next = std::move(*loaded.config);
  const ConfigDiff diff = diff_config(config_, next);
  if (diff.database_changed) {
    // A PostgreSQL URI may hold a password: logged masked.
    const std::string from = store::pg::sanitize_conninfo(config_.database);
    common::log_warn("", "reload: database changed from " + from + " to " + store::pg::sanitize_conninfo(next.database) +
                             "; that needs a restart, so the daemon keeps using " + from);
    next.database = config_.database;
  }
  if (diff.log_level_changed) {
    common::set_log_level(next.log_level);
    common::log_info("", "reload: log_level is now " + std::string(common::to_string(next.log_level)));
  }
  if (diff.health_socket_changed) switch_health_socket(next);
  if (diff.metrics_listen_changed) switch_metrics_listener(next);
  if (diff.max_concurrent_polls_changed) {
    runner_.set_max_concurrent(next.max_concurrent_polls);
    common::log_info("", "reload: at most " + std::to_string(next.max_concurrent_polls) + " polls at once");
  }
  if (diff.max_polls_per_server_changed) {
    runner_.set_max_per_server(next.max_polls_per_server);
    common::log_info("", "reload: at most " + std::to_string(next.max_polls_per_server) +
                             " polls per server (0: no cap per server)");
  }
  for (const std::string& name : diff.accounts.added) {
    if (const config::Account* account = next.find_account(name)) warn_about_weak_security(*account);
  }
  for (const std::string& name : diff.accounts.changed) {
    if (const config::Account* account = next.find_account(name)) warn_about_weak_security(*account);
  }
  scheduler_.apply(next, diff.accounts);
  if (claims_) claims_->reloaded(next.accounts.size(), diff.accounts.removed);
  config_ = std::move(next);
  configure_deliveries(diff.accounts.removed);
  // A reload is how a user says "the target is fixed": failed deliveries go again.
  for (const config::Account& account : config_.accounts) (void)request_delivery(account.name);
  if (!diff.accounts.added.empty()) refresh_archive_totals();
  common::log_info("", "reloaded: " + plural(diff.accounts.added.size(), "account added", "accounts added") +
                           ", " + std::to_string(diff.accounts.removed.size()) + " removed, " +
                           std::to_string(diff.accounts.changed.size()) + " changed");
  notifier_.ready();
  notifier_.status(health::status_line(snapshot()));
}

void Service::switch_health_socket(config::Config& next) {
  const std::string old_path = config_.health_socket;
  if (next.health_socket.empty()) {
    health_.reset();
    common::log_info("", "reload: health socket " + old_path + " closed (health_socket is \"\")");
    return;
  }
  if (next.health_socket == old_path && health_) {
    // Only the group or mode changed: the listening socket stays.
    if (common::Status set = health::apply_socket_access(old_path, socket_access(next)); !set) {
      common::log_error("", "reload: " + set.error().message);
    } else {
      common::log_info("", "reload: health socket group and mode applied");
    }
    return;
  }
  // Start the new one first: if it fails, the old one keeps serving.
  auto server = std::make_unique<health::HealthServer>(loop_, health_callbacks());
  if (common::Status started = server->start(next.health_socket, socket_access(next)); !started) {
    common::log_error("", "reload: cannot listen on the new health socket " + next.health_socket + " (" +
                              started.error().message + "); " +
                              (old_path.empty() ? "no health socket" : "still serving " + old_path));
    next.health_socket = old_path;
    return;
  }
  health_ = std::move(server);  // the old server's destructor closes and removes its socket
  common::log_info("", "reload: health socket now " + next.health_socket);
}

void Service::shutdown() {
  if (stopped_) return;
  if (shutting_down_) {
    common::log_warn("", "second stop signal: closing the running polls and deliveries now");
    scheduler_.abandon_running();
    queue_.cancel();
    return;
  }
  shutting_down_ = true;
  notifier_.stopping();
  common::log_info("", "stopping: waiting up to " + std::to_string(options_.shutdown_grace.count() / 1000) +
                           "s for running polls to store what they have and QUIT");
  shutdown_timer_ = make_timer(loop_, this);
  uv_timer_start(
      shutdown_timer_.get(),
      [](uv_timer_t* timer) { static_cast<Service*>(timer->data)->on_shutdown_deadline(); },
      to_uv_ms(options_.shutdown_grace), 0);
  queue_.stop([this] {
    deliveries_stopped_ = true;
    finish_shutdown();
  });
  scheduler_.shutdown([this] {
    polls_stopped_ = true;
    finish_shutdown();
  });
}

void Service::on_shutdown_deadline() {
  if (!stopped_) {
    common::log_warn("",
                     "polls still running after " + std::to_string(options_.shutdown_grace.count() / 1000) +
                         "s: closing them (what they stored is committed; the rest is fetched next time)");
    scheduler_.abandon_running();  // ends in finish_shutdown()
    queue_.cancel();
  }
  if (stopped_ && scheduler_.pending_password_lookups() > 0) {
    common::log_warn("", "a password lookup has not answered; exiting without waiting for it");
    loop_abandoned_ = true;
    uv_stop(loop_);
  }
}

void Service::finish_shutdown() {
  if (stopped_ || !polls_stopped_ || !deliveries_stopped_) return;
  stopped_ = true;
  if (common::Status committed = writer_.commit(); !committed) {
    common::log_error(
        "", "the final commit failed: " + committed.error().message +
                " (those messages were not deleted on any server; the next run fetches them again)");
  }
  // No poll runs now: the other daemons may take these accounts at once.
  if (claims_) claims_->shutdown();
  health_.reset();
  metrics_.reset();
  scheduler_.set_hooks(nullptr);
  hooks_.reset();  // kills hooks still running
  signals_.close();
  ready_timer_.reset();
  watchdog_timer_.reset();
  status_timer_.reset();
  if (scheduler_.pending_password_lookups() == 0) shutdown_timer_.reset();
  common::log_info("", "stopped");
}

common::Status run_service(config::Config config, store::Archive& archive, const pop3::Digests& digests,
                           ServiceOptions options) {
  std::unique_ptr<net::UvLoop> loop;
  try {
    loop = std::make_unique<net::UvLoop>();
  } catch (const std::runtime_error& error) {
    return common::make_error(common::ErrorKind::Io, error.what());
  }
  common::Status outcome;
  bool abandoned = false;
  {
    Service service(loop->get(), std::move(config), archive, digests, std::move(options));
    outcome = service.start();
    if (outcome) uv_run(loop->get(), UV_RUN_DEFAULT);
    abandoned = service.loop_abandoned();
  }
  // A lookup stuck on the thread pool still refers to the loop: leave it be,
  // never run, closed or freed again; the process is about to exit.
  if (abandoned) {
    (void)loop.release();
    return outcome;
  }
  loop.reset();  // runs the loop for the handles closed by the destructors, then closes it
  return outcome;
}

}  // namespace popfetchd::daemon
