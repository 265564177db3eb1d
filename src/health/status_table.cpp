#include "health/status_table.hpp"

#include <algorithm>
#include <array>
#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "common/sanitize.hpp"

namespace health {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxNameColumn = 64;
constexpr std::size_t kMaxConfigError = 300;  // a diagnostic with its file:line:column

common::Error malformed(const std::string& what) {
  return common::make_error(common::ErrorKind::Protocol, "malformed health answer: " + what);
}

// "45s", "12m", "5h", "3d": the largest unit, rounded down; enough to judge freshness.
std::string short_duration(std::int64_t seconds) {
  if (seconds < 60) return std::to_string(seconds) + "s";
  if (seconds < 3600) return std::to_string(seconds / 60) + "m";
  if (seconds < 86400) return std::to_string(seconds / 3600) + "h";
  return std::to_string(seconds / 86400) + "d";
}

std::string ago(std::int64_t when, std::int64_t now) {
  if (when == 0) return "never";
  return short_duration(std::max<std::int64_t>(0, now - when)) + " ago";
}

std::string until(std::int64_t when, std::int64_t now) {
  if (when == 0) return "-";
  if (when <= now) return "due";
  return "in " + short_duration(when - now);
}

// "2026-12-04 19:50:00 UTC": a reload is an event a human looks up in the journal.
std::string utc_time(std::int64_t when) {
  const std::time_t t = static_cast<std::time_t>(when);
  std::tm tm{};
  char text[32] = "?";
  if (gmtime_r(&t, &tm) != nullptr) std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return text;
}

std::optional<std::int64_t> integer_field(const json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<std::int64_t>();
}

std::optional<std::string> text_field(const json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

// "config: reload rejected at ...: <error>" when the daemon runs a stale
// config; nothing otherwise (and nothing from an older daemon).
std::string config_line(const json& body, std::int64_t now) {
  const auto stale = body.find("config_stale");
  if (stale == body.end() || !stale->is_boolean() || !stale->get<bool>()) return "";
  std::string line = "config: reload rejected";
  if (const auto at = integer_field(body, "config_last_reload_at"); at && *at > 0)
    line += " at " + utc_time(*at) + " (" + ago(*at, now) + ")";
  if (const auto error = text_field(body, "config_error"))
    line += ": " + common::sanitize(*error, kMaxConfigError);
  return line + "; the daemon runs the previous config\n";
}

using Row = std::array<std::string, 6>;

// "polling 24%" while a poll retrieves (its "progress" object); the state
// alone otherwise, and from an older daemon.
std::string state_cell(const json& account, const std::string& state) {
  const auto progress = account.find("progress");
  if (progress == account.end() || !progress->is_object()) return state;
  const auto done = integer_field(*progress, "messages_done");
  const auto total = integer_field(*progress, "messages_total");
  if (!done || !total || *done < 0 || *total <= 0) return state;
  return state + " " + std::to_string(std::min(*done, *total) * 100 / *total) + "%";
}

common::Result<Row> account_row(const json& account, std::int64_t now) {
  if (!account.is_object()) return malformed("an account is not an object");
  const auto name = text_field(account, "name");
  const auto state = text_field(account, "state");
  const auto last_success = integer_field(account, "last_success_at");
  const auto next_poll = integer_field(account, "next_poll_at");
  const auto messages = account.find("messages_stored");
  const auto error = account.find("last_error");
  if (!name || !state || !last_success || !next_poll || messages == account.end() ||
      !messages->is_number_unsigned() || error == account.end() ||
      !(error->is_null() || error->is_string())) {
    return malformed(
        "an account lacks name, state, last_success_at, last_error, messages_stored or next_poll_at");
  }
  return Row{common::sanitize(*name, kMaxNameColumn),
             state_cell(account, common::sanitize(*state, kMaxNameColumn)),
             ago(*last_success, now),
             error->is_null() ? "-" : common::sanitize(error->get<std::string>(), kMaxErrorColumn),
             std::to_string(messages->get<std::uint64_t>()),
             until(*next_poll, now)};
}

// One row per delivery target of the account ("deliveries", when present).
common::Status add_delivery_rows(const json& account, std::vector<Row>& rows) {
  const auto deliveries = account.find("deliveries");
  if (deliveries == account.end()) return {};  // an older daemon
  if (!deliveries->is_array()) return malformed("deliveries is not a list");
  const std::string name = common::sanitize(text_field(account, "name").value_or("?"), kMaxNameColumn);
  for (const json& target : *deliveries) {
    const auto key = target.is_object() ? text_field(target, "target") : std::nullopt;
    const auto delivered = target.is_object() ? integer_field(target, "delivered") : std::nullopt;
    const auto pending = target.is_object() ? integer_field(target, "pending") : std::nullopt;
    const auto failed = target.is_object() ? integer_field(target, "failed") : std::nullopt;
    if (!key || !delivered || !pending || !failed) {
      return malformed("a delivery target lacks target, delivered, pending or failed");
    }
    const auto error = target.find("last_error");
    const bool has_error = error != target.end() && error->is_string();
    rows.push_back({name, common::sanitize(*key, kMaxErrorColumn), std::to_string(*delivered),
                    std::to_string(*pending), std::to_string(*failed),
                    has_error ? common::sanitize(error->get<std::string>(), kMaxErrorColumn) : "-"});
  }
  return {};
}

std::string format_rows(const std::vector<Row>& rows) {
  std::array<std::size_t, 6> widths{};
  for (const Row& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const Row& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace

common::Result<StatusTable> render_status_table(std::string_view health_json, std::int64_t now) {
  const json body = json::parse(health_json, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return malformed("not JSON");
  if (!body.is_object()) return malformed("not a JSON object");
  const auto status = text_field(body, "status");
  if (!status || (*status != "ok" && *status != "degraded"))
    return malformed("no status \"ok\" or \"degraded\"");
  const auto accounts = body.find("accounts");
  if (accounts == body.end() || !accounts->is_array()) return malformed("no accounts list");

  StatusTable table;
  table.exit_status = *status == "ok" ? kStatusHealthy : kStatusDegraded;
  table.text = "popfetchd";
  if (const auto version = text_field(body, "version"))
    table.text += " " + common::sanitize(*version, kMaxNameColumn);
  if (const auto uptime = integer_field(body, "uptime_s")) table.text += ", up " + short_duration(*uptime);
  table.text += ": " + *status + "\n";
  table.text += config_line(body, now);

  std::vector<Row> rows = {{"ACCOUNT", "STATE", "LAST SUCCESS", "LAST ERROR", "MESSAGES", "NEXT POLL"}};
  for (const json& account : *accounts) {
    auto row = account_row(account, now);
    if (!row) return row.error();
    rows.push_back(std::move(*row));
  }
  table.text += format_rows(rows);
  if (accounts->empty()) table.text += "(no accounts)\n";

  std::vector<Row> deliveries = {{"ACCOUNT", "DELIVERS TO", "DELIVERED", "PENDING", "FAILED", "LAST ERROR"}};
  for (const json& account : *accounts) {
    if (auto added = add_delivery_rows(account, deliveries); !added) return added.error();
  }
  if (deliveries.size() > 1) table.text += "\n" + format_rows(deliveries);
  return table;
}

StatusOutput run_status(const std::string& socket_path, bool json_output, std::int64_t now,
                        std::chrono::milliseconds timeout) {
  StatusOutput output;
  auto response = fetch_health(socket_path, timeout);
  if (!response) {
    output.error = response.error().message;
    return output;
  }
  if (response->status != 200 && response->status != 503) {
    output.error = "unexpected answer from " + socket_path + ": HTTP " + std::to_string(response->status);
    return output;
  }
  if (json_output) {
    output.exit_status = response->status == 200 ? kStatusHealthy : kStatusDegraded;
    output.out = response->body;
    if (output.out.empty() || output.out.back() != '\n') output.out += "\n";
    return output;
  }
  auto table = render_status_table(response->body, now);
  if (!table) {
    output.error = table.error().message + " (from " + socket_path + ")";
    return output;
  }
  output.exit_status = table->exit_status;
  output.out = std::move(table->text);
  return output;
}

}  // namespace health
