// render_health_json(): DESIGN.md §4's body. ordered_json keeps the keys in
// the documented order, which makes the body readable with curl.

#include <algorithm>
#include <nlohmann/json.hpp>

#include "health/state.hpp"

namespace health {

std::string render_health_json(const HealthSnapshot& snapshot) {
  using nlohmann::ordered_json;
  ordered_json accounts = ordered_json::array();
  for (const AccountHealth& account : snapshot.accounts) {
    ordered_json entry;
    // DESIGN.md §4, in its order.
    entry["name"] = account.name;
    entry["state"] = to_string(account.state);
    entry["last_poll_at"] = account.last_poll_at;
    entry["last_success_at"] = account.last_success_at;
    entry["last_error"] = account.last_error ? ordered_json(*account.last_error) : ordered_json(nullptr);
    entry["consecutive_failures"] = account.consecutive_failures;
    entry["messages_stored"] = account.messages_stored;
    entry["bytes_stored"] = account.bytes_stored;
    entry["next_poll_at"] = account.next_poll_at;
    // Extras.
    entry["polls_total"] = account.polls_total;
    entry["poll_failures_total"] = account.poll_failures_total;
    entry["messages_fetched_total"] = account.messages_fetched_total;
    entry["bytes_fetched_total"] = account.bytes_fetched_total;
    entry["messages_skipped"] = account.messages_skipped;
    entry["auth_failure"] = account.auth_failure;
    entry["permanent_failure"] = account.permanent_failure;
    ordered_json deliveries = ordered_json::array();
    for (const DeliveryHealth& target : account.deliveries) {
      deliveries.push_back({{"target", target.target},
                            {"delivered", target.delivered},
                            {"pending", target.pending},
                            {"failed", target.failed},
                            {"failing", target.failing},
                            {"last_error", target.last_error ? ordered_json(*target.last_error) : nullptr}});
    }
    entry["deliveries"] = std::move(deliveries);
    if (account.progress) {
      const ProgressHealth& p = *account.progress;
      entry["progress"] = {
          {"messages_done", p.messages_done},
          {"messages_total", p.messages_total},
          {"bytes_done", p.bytes_done},
          {"bytes_total", p.bytes_total},
          // Whole bytes: a rate to a fraction of a byte says nothing.
          {"bytes_per_second", static_cast<std::uint64_t>(p.bytes_per_second)},
          {"eta_seconds", p.eta_seconds ? ordered_json(*p.eta_seconds) : ordered_json(nullptr)}};
    } else {
      entry["progress"] = nullptr;
    }
    entry["held_here"] = account.held_here ? ordered_json(*account.held_here) : ordered_json(nullptr);
    accounts.push_back(std::move(entry));
  }

  ordered_json body;
  body["status"] = snapshot.healthy() ? "ok" : "degraded";
  body["version"] = snapshot.version;
  body["uptime_s"] = std::max<std::int64_t>(0, snapshot.now - snapshot.started_at);
  body["accounts"] = std::move(accounts);
  body["started_at"] = snapshot.started_at;
  body["now"] = snapshot.now;
  // A rejected reload: the daemon runs the config it read before.
  body["config_stale"] = !snapshot.config_last_reload_successful;
  body["config_error"] = snapshot.config_error ? ordered_json(*snapshot.config_error) : ordered_json(nullptr);
  body["config_last_reload_at"] = snapshot.config_last_reload_timestamp_seconds;
  body["config_loaded_at"] = snapshot.config_last_reload_success_timestamp_seconds;
  if (snapshot.leases) {
    const LeaseHealth& l = *snapshot.leases;
    body["leases"] = {{"instance", l.instance},
                      {"hostname", l.hostname},
                      {"live_instances", l.live_instances},
                      {"share", l.share},
                      {"lease_seconds", l.lease_seconds},
                      {"held", l.held},
                      {"last_error", l.last_error ? ordered_json(*l.last_error) : ordered_json(nullptr)}};
  } else {
    body["leases"] = nullptr;
  }
  // last_error is server text: it may hold any bytes. The replace handler turns
  // invalid UTF-8 into U+FFFD instead of throwing from dump().
  return body.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

}  // namespace health
