// render_metrics(): the Prometheus text exposition format, version 0.0.4.
//
//   # HELP <name> <docstring>
//   # TYPE <name> counter|gauge|histogram
//   <name>{<label>="<value>",...} <value>
//
// All samples of a family follow its HELP and TYPE lines; counters end in
// _total. Timestamps are gauges in unix seconds, 0 meaning "never".

#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <type_traits>
#include <vector>

#include "health/state.hpp"

namespace health {
namespace {

enum class Type { Counter, Gauge, Histogram };

void family(std::string& out, std::string_view name, Type type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name);
  out.append(type == Type::Counter ? " counter\n" : type == Type::Gauge ? " gauge\n" : " histogram\n");
}

// The shortest form that reads back as the same double: "0.25", "900", "12.3".
std::string format_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.15g", value);
  return text;
}

// One sample; `labels` is the already escaped text between the braces, or empty.
// `more` (already escaped, e.g. `,reason="io"`) follows `labels` inside the
// braces. Appends in place: a 10,000-account scrape has 350,000 samples, so
// no temporary strings per sample.
template <class Number>
void sample(std::string& out, std::string_view name, std::string_view labels, Number value,
            std::string_view more = {}) {
  out.append(name);
  if (!labels.empty() || !more.empty()) out.append("{").append(labels).append(more).append("}");
  out.append(" ");
  if constexpr (std::is_integral_v<Number>) {
    char text[24];
    out.append(text, std::to_chars(text, text + sizeof text, value).ptr);
  } else {
    out.append(std::to_string(value));
  }
  out.append("\n");
}

std::string account_label(const AccountHealth& account) {
  return "account=\"" + escape_label_value(account.name) + "\"";
}

// The accounts' labels, escaped once per scrape instead of once per sample.
std::vector<std::string> account_labels(const HealthSnapshot& snapshot) {
  std::vector<std::string> labels;
  labels.reserve(snapshot.accounts.size());
  for (const AccountHealth& account : snapshot.accounts) labels.push_back(account_label(account));
  return labels;
}

// A per-account family: one sample per account, read by `field`.
template <class Field>
void per_account(std::string& out, const HealthSnapshot& snapshot, const std::vector<std::string>& labels,
                 std::string_view name, Type type, std::string_view help, Field field) {
  family(out, name, type, help);
  for (std::size_t i = 0; i < snapshot.accounts.size(); ++i) {
    sample(out, name, labels[i], field(snapshot.accounts[i]));
  }
}

// A per-target family: one sample per delivery target of every account.
template <class Field>
void per_target(std::string& out, const HealthSnapshot& snapshot, std::string_view name, std::string_view help,
                Field field) {
  family(out, name, Type::Gauge, help);
  for (const AccountHealth& account : snapshot.accounts) {
    for (const DeliveryHealth& target : account.deliveries) {
      sample(out, name, account_label(account) + ",target=\"" + escape_label_value(target.target) + "\"",
             field(target));
    }
  }
}

// One sample per account and reason, zeros included: a series that appears
// only with the first failure would hide that failure from rate().
void poll_failures(std::string& out, const HealthSnapshot& snapshot, const std::vector<std::string>& labels) {
  constexpr std::string_view kName = "popfetchd_poll_failures_total";
  family(out, kName, Type::Counter, "Polls that failed since the daemon started, by reason.");
  std::array<std::string, kFailureReasonCount> reasons;
  for (std::size_t i = 0; i < kFailureReasonCount; ++i) {
    reasons[i] = ",reason=\"" + std::string(to_string(kFailureReasons[i])) + "\"";
  }
  for (std::size_t a = 0; a < snapshot.accounts.size(); ++a) {
    for (std::size_t i = 0; i < kFailureReasonCount; ++i) {
      sample(out, kName, labels[a], snapshot.accounts[a].poll_failures_by_reason[i], reasons[i]);
    }
  }
}

// popfetchd_poll_duration_seconds: cumulative buckets, +Inf, _sum and _count
// per account, every series present from the start.
void poll_durations(std::string& out, const HealthSnapshot& snapshot, const std::vector<std::string>& labels) {
  constexpr std::string_view kName = "popfetchd_poll_duration_seconds";
  family(out, kName, Type::Histogram, "How long polls took, failed ones included.");
  std::array<std::string, kPollDurationBounds.size()> bounds;
  for (std::size_t i = 0; i < kPollDurationBounds.size(); ++i) {
    bounds[i] = ",le=\"" + format_number(kPollDurationBounds[i]) + "\"";
  }
  for (std::size_t a = 0; a < snapshot.accounts.size(); ++a) {
    const DurationHistogram& h = snapshot.accounts[a].poll_durations;
    const std::string& label = labels[a];
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < kPollDurationBounds.size(); ++i) {
      cumulative += h.in_bucket[i];
      sample(out, "popfetchd_poll_duration_seconds_bucket", label, cumulative, bounds[i]);
    }
    sample(out, "popfetchd_poll_duration_seconds_bucket", label, h.count, ",le=\"+Inf\"");
    out.append("popfetchd_poll_duration_seconds_sum{").append(label).append("} ");
    out.append(format_number(h.sum_seconds)).append("\n");
    sample(out, "popfetchd_poll_duration_seconds_count", label, h.count);
  }
}

// The client libraries' standard process_* families; a figure that could not
// be read leaves its family out.
void process_families(std::string& out, const ProcessStats& process) {
  if (process.cpu_seconds) {
    family(out, "process_cpu_seconds_total", Type::Counter, "Total user and system CPU time spent in seconds.");
    sample(out, "process_cpu_seconds_total", "", *process.cpu_seconds);
  }
  if (process.resident_bytes) {
    family(out, "process_resident_memory_bytes", Type::Gauge, "Resident memory size in bytes.");
    sample(out, "process_resident_memory_bytes", "", *process.resident_bytes);
  }
  if (process.open_fds) {
    family(out, "process_open_fds", Type::Gauge, "Number of open file descriptors.");
    sample(out, "process_open_fds", "", *process.open_fds);
  }
  if (process.start_time_seconds) {
    family(out, "process_start_time_seconds", Type::Gauge,
           "Start time of the process since unix epoch in seconds.");
    sample(out, "process_start_time_seconds", "", *process.start_time_seconds);
  }
}

void delivery_families(std::string& out, const HealthSnapshot& snapshot) {
  using T = const DeliveryHealth&;
  per_target(out, snapshot, "popfetchd_delivery_delivered_messages",
             "Messages the archive records as delivered to the target.", [](T t) { return t.delivered; });
  per_target(out, snapshot, "popfetchd_delivery_pending_messages",
             "Messages waiting to be delivered to the target (new, or for a retry).",
             [](T t) { return t.pending; });
  per_target(out, snapshot, "popfetchd_delivery_failed_messages",
             "Messages the target refused for good (retried after a reload or POST /deliver).",
             [](T t) { return t.failed; });
  per_target(out, snapshot, "popfetchd_delivery_failing",
             "1 while the target's last attempt failed or a message waits for a retry or has failed.",
             [](T t) { return t.failing ? 1 : 0; });
}

}  // namespace

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// A little more than render_metrics() writes: about 35 lines per account,
// each with its name, and 4 per delivery target. Reserving it once keeps a
// 10,000-account scrape (22 MB) from growing by doubling, which would hold
// the old and the new buffer at once: 1.5 times the text at its peak.
std::size_t expected_metrics_size(const HealthSnapshot& snapshot) {
  std::size_t size = 4096;
  for (const AccountHealth& account : snapshot.accounts) {
    size += 2300 + 40 * account.name.size();
    for (const DeliveryHealth& target : account.deliveries) {
      size += 4 * (160 + account.name.size() + target.target.size());
    }
  }
  return size;
}

std::string render_metrics(const HealthSnapshot& snapshot) {
  using A = const AccountHealth&;
  std::string out;
  out.reserve(expected_metrics_size(snapshot));
  const std::vector<std::string> labels = account_labels(snapshot);

  family(out, "popfetchd_build_info", Type::Gauge, "The running version, as a label; always 1.");
  sample(out, "popfetchd_build_info", "version=\"" + escape_label_value(snapshot.version) + "\"", 1);
  family(out, "popfetchd_start_time_seconds", Type::Gauge, "When the daemon started, unix seconds.");
  sample(out, "popfetchd_start_time_seconds", "", snapshot.started_at);
  family(out, "popfetchd_healthy", Type::Gauge,
         "1 when every account's last poll succeeded and no delivery target is failing, else 0.");
  sample(out, "popfetchd_healthy", "", snapshot.healthy() ? 1 : 0);
  family(out, "popfetchd_config_last_reload_successful", Type::Gauge,
         "1 when the last config reload succeeded (or none was tried), 0 when it was rejected.");
  sample(out, "popfetchd_config_last_reload_successful", "", snapshot.config_last_reload_successful ? 1 : 0);
  family(out, "popfetchd_config_last_reload_success_timestamp_seconds", Type::Gauge,
         "When the running config was read (start or last successful reload), unix seconds.");
  sample(out, "popfetchd_config_last_reload_success_timestamp_seconds", "",
         snapshot.config_last_reload_success_timestamp_seconds);
  if (snapshot.process) process_families(out, *snapshot.process);

  per_account(out, snapshot, labels, "popfetchd_polls_total", Type::Counter,
              "Polls finished since the daemon started.", [](A a) { return a.polls_total; });
  poll_failures(out, snapshot, labels);
  poll_durations(out, snapshot, labels);
  per_account(out, snapshot, labels, "popfetchd_fetched_messages_total", Type::Counter,
              "Messages retrieved and stored since the daemon started.",
              [](A a) { return a.messages_fetched_total; });
  per_account(out, snapshot, labels, "popfetchd_fetched_bytes_total", Type::Counter,
              "Bytes of messages retrieved and stored since the daemon started.",
              [](A a) { return a.bytes_fetched_total; });
  per_account(out, snapshot, labels, "popfetchd_archive_messages", Type::Gauge,
              "Messages in the archive for the account.", [](A a) { return a.messages_stored; });
  per_account(out, snapshot, labels, "popfetchd_archive_bytes", Type::Gauge,
              "Bytes of messages in the archive for the account.", [](A a) { return a.bytes_stored; });
  per_account(out, snapshot, labels, "popfetchd_last_poll_timestamp_seconds", Type::Gauge,
              "When the last poll ended, unix seconds; 0 = never.", [](A a) { return a.last_poll_at; });
  per_account(out, snapshot, labels, "popfetchd_last_success_timestamp_seconds", Type::Gauge,
              "When the last successful poll ended, unix seconds; 0 = never.",
              [](A a) { return a.last_success_at; });
  per_account(out, snapshot, labels, "popfetchd_next_poll_timestamp_seconds", Type::Gauge,
              "When the next poll is due, unix seconds; 0 = not scheduled.",
              [](A a) { return a.next_poll_at; });
  per_account(out, snapshot, labels, "popfetchd_account_consecutive_failures", Type::Gauge,
              "Failed polls since the last success.", [](A a) { return a.consecutive_failures; });
  per_account(out, snapshot, labels, "popfetchd_account_auth_failure", Type::Gauge,
              "1 while the account backs off after an authentication failure.",
              [](A a) { return a.auth_failure ? 1 : 0; });
  per_account(out, snapshot, labels, "popfetchd_messages_skipped", Type::Gauge,
              "Messages over max_message_size skipped by the last poll.",
              [](A a) { return a.messages_skipped; });
  constexpr std::array kStates{AccountHealth::State::Idle, AccountHealth::State::Polling,
                               AccountHealth::State::Backoff};
  family(out, "popfetchd_account_state", Type::Gauge, "1 for the state the account is in, 0 for the others.");
  std::array<std::string, kStates.size()> states;
  for (std::size_t i = 0; i < kStates.size(); ++i) states[i] = ",state=\"" + std::string(to_string(kStates[i])) + "\"";
  for (std::size_t a = 0; a < snapshot.accounts.size(); ++a) {
    for (std::size_t i = 0; i < kStates.size(); ++i) {
      sample(out, "popfetchd_account_state", labels[a], snapshot.accounts[a].state == kStates[i] ? 1 : 0, states[i]);
    }
  }
  delivery_families(out, snapshot);
  return out;
}

}  // namespace health
