// render_metrics() and MetricsStream: the Prometheus text exposition format,
// version 0.0.4.
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

#include "health/metrics_stream.hpp"
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
  if constexpr (std::is_same_v<Number, bool>) {
    out.append(value ? "1" : "0");
  } else if constexpr (std::is_integral_v<Number>) {
    char text[24];
    out.append(text, std::to_chars(text, text + sizeof text, value).ptr);
  } else {
    out.append(std::to_string(value));
  }
  out.append("\n");
}

// Each per-account family is one row of kAccountFamilies: its HELP and TYPE,
// and the function that writes one account's samples of it (`name` is the
// family's, `label` the account's escaped account="..." text).
using AccountSamples = void (*)(std::string& out, std::string_view name, const AccountHealth& account,
                                std::string_view label);

struct AccountFamily {
  std::string_view name;
  Type type;
  std::string_view help;
  AccountSamples samples;
  bool leases_only = false;  // rendered only with a PostgreSQL archive (snapshot.leases)
};

// The label suffixes that depend on constants only, escaped once per process.
struct Suffixes {
  std::array<std::string, kFailureReasonCount> reasons;
  std::array<std::string, kPollDurationBounds.size()> bounds;
  std::array<std::string, 3> states;
};

constexpr std::array kStates{AccountHealth::State::Idle, AccountHealth::State::Polling,
                             AccountHealth::State::Backoff};

const Suffixes& suffixes() {
  static const Suffixes built = [] {
    Suffixes s;
    for (std::size_t i = 0; i < kFailureReasonCount; ++i) {
      s.reasons[i] = ",reason=\"" + std::string(to_string(kFailureReasons[i])) + "\"";
    }
    for (std::size_t i = 0; i < kPollDurationBounds.size(); ++i) {
      s.bounds[i] = ",le=\"" + format_number(kPollDurationBounds[i]) + "\"";
    }
    for (std::size_t i = 0; i < kStates.size(); ++i) {
      s.states[i] = ",state=\"" + std::string(to_string(kStates[i])) + "\"";
    }
    return s;
  }();
  return built;
}

// One sample per account, read from a member.
template <auto Member>
void field(std::string& out, std::string_view name, const AccountHealth& account, std::string_view label) {
  sample(out, name, label, account.*Member);
}

// One sample per delivery target of the account, read from a member.
template <auto Member>
void per_target(std::string& out, std::string_view name, const AccountHealth& account, std::string_view label) {
  for (const DeliveryHealth& target : account.deliveries) {
    sample(out, name, label, target.*Member, ",target=\"" + escape_label_value(target.target) + "\"");
  }
}

// One sample per reason, zeros included: a series that appears only with the
// first failure would hide that failure from rate().
void poll_failures(std::string& out, std::string_view name, const AccountHealth& account, std::string_view label) {
  for (std::size_t i = 0; i < kFailureReasonCount; ++i) {
    sample(out, name, label, account.poll_failures_by_reason[i], suffixes().reasons[i]);
  }
}

// Cumulative buckets, +Inf, _sum and _count, every series present from the start.
void poll_durations(std::string& out, std::string_view, const AccountHealth& account, std::string_view label) {
  const DurationHistogram& h = account.poll_durations;
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < kPollDurationBounds.size(); ++i) {
    cumulative += h.in_bucket[i];
    sample(out, "popfetchd_poll_duration_seconds_bucket", label, cumulative, suffixes().bounds[i]);
  }
  sample(out, "popfetchd_poll_duration_seconds_bucket", label, h.count, ",le=\"+Inf\"");
  out.append("popfetchd_poll_duration_seconds_sum{").append(label).append("} ");
  out.append(format_number(h.sum_seconds)).append("\n");
  sample(out, "popfetchd_poll_duration_seconds_count", label, h.count);
}

// 1 for the state the account is in, 0 for the others.
void account_state(std::string& out, std::string_view name, const AccountHealth& account, std::string_view label) {
  for (std::size_t i = 0; i < kStates.size(); ++i) {
    sample(out, name, label, account.state == kStates[i], suffixes().states[i]);
  }
}

// With a PostgreSQL archive: 1 when this daemon holds the account's lease.
void held_here(std::string& out, std::string_view name, const AccountHealth& account, std::string_view label) {
  sample(out, name, label, account.held_here.value_or(false));
}

using A = AccountHealth;
using D = DeliveryHealth;
constexpr auto kAccountFamilies = std::to_array<AccountFamily>({
    {"popfetchd_polls_total", Type::Counter, "Polls finished since the daemon started.", field<&A::polls_total>},
    {"popfetchd_poll_failures_total", Type::Counter, "Polls that failed since the daemon started, by reason.",
     poll_failures},
    {"popfetchd_poll_duration_seconds", Type::Histogram, "How long polls took, failed ones included.",
     poll_durations},
    {"popfetchd_fetched_messages_total", Type::Counter, "Messages retrieved and stored since the daemon started.",
     field<&A::messages_fetched_total>},
    {"popfetchd_fetched_bytes_total", Type::Counter,
     "Bytes of messages retrieved and stored since the daemon started.", field<&A::bytes_fetched_total>},
    {"popfetchd_archive_messages", Type::Gauge, "Messages in the archive for the account.",
     field<&A::messages_stored>},
    {"popfetchd_archive_bytes", Type::Gauge, "Bytes of messages in the archive for the account.",
     field<&A::bytes_stored>},
    {"popfetchd_last_poll_timestamp_seconds", Type::Gauge, "When the last poll ended, unix seconds; 0 = never.",
     field<&A::last_poll_at>},
    {"popfetchd_last_success_timestamp_seconds", Type::Gauge,
     "When the last successful poll ended, unix seconds; 0 = never.", field<&A::last_success_at>},
    {"popfetchd_next_poll_timestamp_seconds", Type::Gauge,
     "When the next poll is due, unix seconds; 0 = not scheduled.", field<&A::next_poll_at>},
    {"popfetchd_account_consecutive_failures", Type::Gauge, "Failed polls since the last success.",
     field<&A::consecutive_failures>},
    {"popfetchd_account_auth_failure", Type::Gauge, "1 while the account backs off after an authentication failure.",
     field<&A::auth_failure>},
    {"popfetchd_messages_skipped", Type::Gauge, "Messages over max_message_size skipped by the last poll.",
     field<&A::messages_skipped>},
    {"popfetchd_account_state", Type::Gauge, "1 for the state the account is in, 0 for the others.",
     account_state},
    {"popfetchd_delivery_delivered_messages", Type::Gauge,
     "Messages the archive records as delivered to the target.", per_target<&D::delivered>},
    {"popfetchd_delivery_pending_messages", Type::Gauge,
     "Messages waiting to be delivered to the target (new, or for a retry).", per_target<&D::pending>},
    {"popfetchd_delivery_failed_messages", Type::Gauge,
     "Messages the target refused for good (retried after a reload or POST /deliver).", per_target<&D::failed>},
    {"popfetchd_delivery_failing", Type::Gauge,
     "1 while the target's last attempt failed or a message waits for a retry or has failed.",
     per_target<&D::failing>},
    {"popfetchd_account_held_here", Type::Gauge,
     "1 when this daemon holds the account's lease and polls it, 0 when another daemon does.", held_here, true},
});

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

// Several daemons on one PostgreSQL archive: this one among them.
void lease_families(std::string& out, const LeaseHealth& leases) {
  family(out, "popfetchd_lease_live_instances", Type::Gauge,
         "Daemons on this archive whose heartbeat is within one lease time, this one included.");
  sample(out, "popfetchd_lease_live_instances", "", leases.live_instances);
  family(out, "popfetchd_lease_share", Type::Gauge,
         "The most accounts this daemon takes: the accounts divided by the live daemons, rounded up.");
  sample(out, "popfetchd_lease_share", "", leases.share);
  family(out, "popfetchd_lease_held_accounts", Type::Gauge, "Accounts whose lease this daemon holds now.");
  sample(out, "popfetchd_lease_held_accounts", "", leases.held.size());
  family(out, "popfetchd_lease_duration_seconds", Type::Gauge,
         "How long a lease lasts without a heartbeat before another daemon may take the account.");
  out.append("popfetchd_lease_duration_seconds ").append(format_number(leases.lease_seconds)).append("\n");
  family(out, "popfetchd_lease_database_up", Type::Gauge,
         "1 while lease claims reach the PostgreSQL archive, 0 while it cannot be reached.");
  sample(out, "popfetchd_lease_database_up", "", !leases.last_error.has_value());
}

// The families without an account label: the daemon's and the process's.
void preamble(std::string& out, const HealthSnapshot& snapshot) {
  family(out, "popfetchd_build_info", Type::Gauge, "The running version, as a label; always 1.");
  sample(out, "popfetchd_build_info", "version=\"" + escape_label_value(snapshot.version) + "\"", 1);
  family(out, "popfetchd_start_time_seconds", Type::Gauge, "When the daemon started, unix seconds.");
  sample(out, "popfetchd_start_time_seconds", "", snapshot.started_at);
  family(out, "popfetchd_healthy", Type::Gauge,
         "1 when every account's last poll succeeded and no delivery target is failing, else 0.");
  sample(out, "popfetchd_healthy", "", snapshot.healthy());
  family(out, "popfetchd_config_last_reload_successful", Type::Gauge,
         "1 when the last config reload succeeded (or none was tried), 0 when it was rejected.");
  sample(out, "popfetchd_config_last_reload_successful", "", snapshot.config_last_reload_successful);
  family(out, "popfetchd_config_last_reload_success_timestamp_seconds", Type::Gauge,
         "When the running config was read (start or last successful reload), unix seconds.");
  sample(out, "popfetchd_config_last_reload_success_timestamp_seconds", "",
         snapshot.config_last_reload_success_timestamp_seconds);
  if (snapshot.process) process_families(out, *snapshot.process);
  if (snapshot.leases) lease_families(out, *snapshot.leases);
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

MetricsStream::MetricsStream(const HealthSnapshot& snapshot) : snapshot_(snapshot) {
  // Escaped once per scrape, not once per sample.
  labels_.reserve(snapshot.accounts.size());
  for (const AccountHealth& account : snapshot.accounts) {
    labels_.push_back("account=\"" + escape_label_value(account.name) + "\"");
  }
}

bool MetricsStream::next(std::string& out, std::size_t at_least) {
  const std::size_t start = out.size();
  const auto wants_more = [&] { return out.size() - start < at_least; };
  if (!preamble_done_) {
    preamble(out, snapshot_);
    preamble_done_ = true;
  }
  const std::vector<AccountHealth>& accounts = snapshot_.accounts;
  while (family_ < kAccountFamilies.size() && wants_more()) {
    const AccountFamily& f = kAccountFamilies[family_];
    if (f.leases_only && !snapshot_.leases) {
      ++family_;
      continue;
    }
    if (!family_head_done_) {
      family(out, f.name, f.type, f.help);
      family_head_done_ = true;
    }
    for (; account_ < accounts.size() && wants_more(); ++account_) {
      f.samples(out, f.name, accounts[account_], labels_[account_]);
    }
    if (account_ == accounts.size()) {
      ++family_;
      family_head_done_ = false;
      account_ = 0;
    }
  }
  return out.size() > start;
}

// The whole text at once (tests, and anything that wants it as one string);
// the daemon streams it instead (routes.cpp).
std::string render_metrics(const HealthSnapshot& snapshot) {
  std::string out;
  MetricsStream stream(snapshot);
  while (stream.next(out, SIZE_MAX)) {
  }
  return out;
}

}  // namespace health
