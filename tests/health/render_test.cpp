#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "health/state.hpp"

namespace health {
namespace {

AccountHealth alice() {
  AccountHealth a;
  a.name = "alice";
  a.state = AccountHealth::State::Idle;
  a.last_poll_at = 1700000100;
  a.last_success_at = 1700000100;
  a.next_poll_at = 1700000400;
  a.messages_stored = 42;
  a.bytes_stored = 123456;
  a.polls_total = 7;
  a.poll_failures_total = 1;
  a.poll_failures_by_reason[static_cast<std::size_t>(FailureReason::Timeout)] = 1;
  a.messages_fetched_total = 5;
  a.bytes_fetched_total = 5000;
  return a;
}

AccountHealth bob_failing() {
  AccountHealth b;
  b.name = "bob";
  b.state = AccountHealth::State::Backoff;
  b.last_poll_at = 1700000200;
  b.last_error = "server said: -ERR [AUTH] invalid login";
  b.consecutive_failures = 3;
  b.auth_failure = true;
  b.polls_total = 3;
  b.poll_failures_total = 3;
  b.poll_failures_by_reason[static_cast<std::size_t>(FailureReason::Auth)] = 2;
  b.poll_failures_by_reason[static_cast<std::size_t>(FailureReason::Other)] = 1;
  b.messages_skipped = 2;
  return b;
}

HealthSnapshot snapshot(std::vector<AccountHealth> accounts) {
  HealthSnapshot s;
  s.version = "0.1.0";
  s.started_at = 1700000000;
  s.now = 1700000300;
  s.accounts = std::move(accounts);
  return s;
}

TEST(HealthSnapshot, HealthyWhenNoAccountFailedSinceItsLastSuccess) {
  EXPECT_TRUE(snapshot({}).healthy());
  AccountHealth never_polled;
  never_polled.name = "new";
  EXPECT_TRUE(snapshot({never_polled}).healthy());
  EXPECT_TRUE(snapshot({alice()}).healthy());
  EXPECT_FALSE(snapshot({alice(), bob_failing()}).healthy());
}

TEST(HealthJson, HasDesignKeysInOrderWithTheirTypes) {
  const auto body = nlohmann::ordered_json::parse(render_health_json(snapshot({alice()})));
  ASSERT_TRUE(body.is_object());
  const std::vector<std::string> top = {"status", "version", "uptime_s", "accounts"};
  std::vector<std::string> keys;
  for (const auto& item : body.items()) keys.push_back(item.key());
  ASSERT_GE(keys.size(), top.size());
  EXPECT_EQ(std::vector<std::string>(keys.begin(), keys.begin() + 4), top);

  EXPECT_EQ(body["status"], "ok");
  EXPECT_EQ(body["version"], "0.1.0");
  EXPECT_EQ(body["uptime_s"], 300);
  ASSERT_TRUE(body["accounts"].is_array());
  ASSERT_EQ(body["accounts"].size(), 1u);

  const auto& account = body["accounts"][0];
  const std::vector<std::string> design = {"name",
                                           "state",
                                           "last_poll_at",
                                           "last_success_at",
                                           "last_error",
                                           "consecutive_failures",
                                           "messages_stored",
                                           "bytes_stored",
                                           "next_poll_at"};
  std::vector<std::string> account_keys;
  for (const auto& item : account.items()) account_keys.push_back(item.key());
  ASSERT_GE(account_keys.size(), design.size());
  EXPECT_EQ(std::vector<std::string>(account_keys.begin(), account_keys.begin() + 9), design);

  EXPECT_EQ(account["name"], "alice");
  EXPECT_EQ(account["state"], "idle");
  EXPECT_TRUE(account["last_poll_at"].is_number_integer());
  EXPECT_EQ(account["last_poll_at"], 1700000100);
  EXPECT_EQ(account["last_success_at"], 1700000100);
  EXPECT_TRUE(account["last_error"].is_null());
  EXPECT_EQ(account["consecutive_failures"], 0);
  EXPECT_EQ(account["messages_stored"], 42);
  EXPECT_EQ(account["bytes_stored"], 123456);
  EXPECT_EQ(account["next_poll_at"], 1700000400);
  EXPECT_EQ(account["polls_total"], 7);
  EXPECT_EQ(account["poll_failures_total"], 1);
  EXPECT_EQ(account["messages_fetched_total"], 5);
  EXPECT_EQ(account["bytes_fetched_total"], 5000);
  EXPECT_EQ(account["messages_skipped"], 0);
  EXPECT_EQ(account["auth_failure"], false);
  EXPECT_EQ(account["permanent_failure"], false);
}

TEST(HealthJson, DegradedWithErrorString) {
  const auto body = nlohmann::json::parse(render_health_json(snapshot({alice(), bob_failing()})));
  EXPECT_EQ(body["status"], "degraded");
  const auto& bob = body["accounts"][1];
  EXPECT_EQ(bob["state"], "backoff");
  ASSERT_TRUE(bob["last_error"].is_string());
  EXPECT_EQ(bob["last_error"], "server said: -ERR [AUTH] invalid login");
  EXPECT_EQ(bob["consecutive_failures"], 3);
  EXPECT_EQ(bob["auth_failure"], true);
  EXPECT_EQ(bob["permanent_failure"], false);
  EXPECT_EQ(bob["messages_skipped"], 2);
}

TEST(HealthJson, PermanentFailureIsAnExtraKey) {
  AccountHealth b = bob_failing();
  b.auth_failure = false;
  b.permanent_failure = true;
  const auto body = nlohmann::json::parse(render_health_json(snapshot({b})));
  EXPECT_EQ(body["accounts"][0]["permanent_failure"], true);
  EXPECT_EQ(body["accounts"][0]["auth_failure"], false);
}

TEST(HealthJson, PollingStateAndEmptyAccountList) {
  AccountHealth a = alice();
  a.state = AccountHealth::State::Polling;
  EXPECT_EQ(nlohmann::json::parse(render_health_json(snapshot({a})))["accounts"][0]["state"], "polling");
  const auto empty = nlohmann::json::parse(render_health_json(snapshot({})));
  EXPECT_EQ(empty["status"], "ok");
  EXPECT_TRUE(empty["accounts"].is_array());
  EXPECT_TRUE(empty["accounts"].empty());
}

TEST(HealthJson, UntrustedErrorTextStaysValidJson) {
  AccountHealth b = bob_failing();
  b.last_error = std::string("quote \" backslash \\ newline \n nul ") + '\0' + " bad utf8 \xff\xfe end";
  const std::string text = render_health_json(snapshot({b}));
  EXPECT_EQ(text.find('\n'), std::string::npos);
  const auto body = nlohmann::json::parse(text);
  const std::string error = body["accounts"][0]["last_error"];
  EXPECT_NE(error.find("quote \" backslash \\ newline \n nul "), std::string::npos);
  EXPECT_NE(error.find("\xEF\xBF\xBD"), std::string::npos) << "invalid UTF-8 becomes U+FFFD";
}

TEST(HealthJson, UptimeNeverNegative) {
  HealthSnapshot s = snapshot({});
  s.now = s.started_at - 5;  // clock stepped back
  EXPECT_EQ(nlohmann::json::parse(render_health_json(s))["uptime_s"], 0);
}

TEST(Metrics, EscapesLabelValues) {
  EXPECT_EQ(escape_label_value("alice"), "alice");
  EXPECT_EQ(escape_label_value("a\"b"), "a\\\"b");
  EXPECT_EQ(escape_label_value("a\\b"), "a\\\\b");
  EXPECT_EQ(escape_label_value("a\nb"), "a\\nb");
  EXPECT_EQ(escape_label_value("\\\"\n"), "\\\\\\\"\\n");
}

// The exposition format, line by line: every sample belongs to a family
// announced by # HELP and # TYPE before it; counters end in _total.
struct Parsed {
  std::map<std::string, std::string> types;    // family -> counter|gauge|histogram
  std::map<std::string, std::string> samples;  // "name{labels}" -> value
};

Parsed parse_exposition(const std::string& text) {
  Parsed parsed;
  static const std::regex kHelp(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) [^\n]+)");
  static const std::regex kType(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram))");
  static const std::regex kSample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")*\})? (-?[0-9]+(?:\.[0-9]+)?))");
  EXPECT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  std::set<std::string> helped;
  std::istringstream in(text);
  std::string line;
  std::string current;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_match(line, m, kHelp)) {
      EXPECT_TRUE(helped.insert(m[1]).second) << "HELP twice: " << line;
      current = m[1];
    } else if (std::regex_match(line, m, kType)) {
      EXPECT_EQ(m[1], current) << "TYPE without HELP: " << line;
      EXPECT_TRUE(parsed.types.emplace(m[1], m[2]).second) << "TYPE twice: " << line;
      // Prometheus conventions: counters, and only counters, end in _total.
      EXPECT_EQ(std::string(m[1]).ends_with("_total"), m[2] == "counter") << line;
    } else if (std::regex_match(line, m, kSample)) {
      // A histogram's samples are <family>_bucket, _sum and _count.
      const std::string name = m[1];
      const bool histogram = parsed.types[current] == "histogram";
      EXPECT_TRUE(histogram ? name == current + "_bucket" || name == current + "_sum" || name == current + "_count"
                            : name == current)
          << "sample outside its family: " << line;
      EXPECT_TRUE(parsed.samples.emplace(std::string(m[1]) + std::string(m[2]), m[3]).second) << line;
    } else {
      ADD_FAILURE() << "not exposition format: " << line;
    }
  }
  return parsed;
}

TEST(Metrics, ParsesLineByLineWithExpectedFamiliesAndValues) {
  const Parsed m = parse_exposition(render_metrics(snapshot({alice(), bob_failing()})));
  const std::map<std::string, std::string> expected_types = {
      {"popfetchd_build_info", "gauge"},
      {"popfetchd_start_time_seconds", "gauge"},
      {"popfetchd_healthy", "gauge"},
      {"popfetchd_config_last_reload_successful", "gauge"},
      {"popfetchd_config_last_reload_success_timestamp_seconds", "gauge"},
      {"popfetchd_polls_total", "counter"},
      {"popfetchd_poll_failures_total", "counter"},
      {"popfetchd_poll_duration_seconds", "histogram"},
      {"popfetchd_fetched_messages_total", "counter"},
      {"popfetchd_fetched_bytes_total", "counter"},
      {"popfetchd_archive_messages", "gauge"},
      {"popfetchd_archive_bytes", "gauge"},
      {"popfetchd_last_poll_timestamp_seconds", "gauge"},
      {"popfetchd_last_success_timestamp_seconds", "gauge"},
      {"popfetchd_next_poll_timestamp_seconds", "gauge"},
      {"popfetchd_account_consecutive_failures", "gauge"},
      {"popfetchd_account_auth_failure", "gauge"},
      {"popfetchd_messages_skipped", "gauge"},
      {"popfetchd_account_state", "gauge"},
      {"popfetchd_delivery_delivered_messages", "gauge"},
      {"popfetchd_delivery_pending_messages", "gauge"},
      {"popfetchd_delivery_failed_messages", "gauge"},
      {"popfetchd_delivery_failing", "gauge"},
  };
  EXPECT_EQ(m.types, expected_types);

  const std::map<std::string, std::string> expected_samples = {
      {"popfetchd_build_info{version=\"0.1.0\"}", "1"},
      {"popfetchd_start_time_seconds", "1700000000"},
      {"popfetchd_healthy", "0"},
      {"popfetchd_config_last_reload_successful", "1"},
      {"popfetchd_config_last_reload_success_timestamp_seconds", "0"},
      {"popfetchd_polls_total{account=\"alice\"}", "7"},
      {"popfetchd_polls_total{account=\"bob\"}", "3"},
      {"popfetchd_fetched_messages_total{account=\"alice\"}", "5"},
      {"popfetchd_fetched_messages_total{account=\"bob\"}", "0"},
      {"popfetchd_fetched_bytes_total{account=\"alice\"}", "5000"},
      {"popfetchd_fetched_bytes_total{account=\"bob\"}", "0"},
      {"popfetchd_archive_messages{account=\"alice\"}", "42"},
      {"popfetchd_archive_messages{account=\"bob\"}", "0"},
      {"popfetchd_archive_bytes{account=\"alice\"}", "123456"},
      {"popfetchd_archive_bytes{account=\"bob\"}", "0"},
      {"popfetchd_poll_failures_total{account=\"alice\",reason=\"auth\"}", "0"},
      {"popfetchd_poll_failures_total{account=\"alice\",reason=\"tls\"}", "0"},
      {"popfetchd_poll_failures_total{account=\"alice\",reason=\"io\"}", "0"},
      {"popfetchd_poll_failures_total{account=\"alice\",reason=\"timeout\"}", "1"},
      {"popfetchd_poll_failures_total{account=\"alice\",reason=\"protocol\"}", "0"},
      {"popfetchd_poll_failures_total{account=\"alice\",reason=\"storage\"}", "0"},
      {"popfetchd_poll_failures_total{account=\"alice\",reason=\"other\"}", "0"},
      {"popfetchd_poll_failures_total{account=\"bob\",reason=\"auth\"}", "2"},
      {"popfetchd_poll_failures_total{account=\"bob\",reason=\"tls\"}", "0"},
      {"popfetchd_poll_failures_total{account=\"bob\",reason=\"io\"}", "0"},
      {"popfetchd_poll_failures_total{account=\"bob\",reason=\"timeout\"}", "0"},
      {"popfetchd_poll_failures_total{account=\"bob\",reason=\"protocol\"}", "0"},
      {"popfetchd_poll_failures_total{account=\"bob\",reason=\"storage\"}", "0"},
      {"popfetchd_poll_failures_total{account=\"bob\",reason=\"other\"}", "1"},
      {"popfetchd_last_poll_timestamp_seconds{account=\"alice\"}", "1700000100"},
      {"popfetchd_last_poll_timestamp_seconds{account=\"bob\"}", "1700000200"},
      {"popfetchd_last_success_timestamp_seconds{account=\"alice\"}", "1700000100"},
      {"popfetchd_last_success_timestamp_seconds{account=\"bob\"}", "0"},
      {"popfetchd_next_poll_timestamp_seconds{account=\"alice\"}", "1700000400"},
      {"popfetchd_next_poll_timestamp_seconds{account=\"bob\"}", "0"},
      {"popfetchd_account_consecutive_failures{account=\"alice\"}", "0"},
      {"popfetchd_account_consecutive_failures{account=\"bob\"}", "3"},
      {"popfetchd_account_auth_failure{account=\"alice\"}", "0"},
      {"popfetchd_account_auth_failure{account=\"bob\"}", "1"},
      {"popfetchd_messages_skipped{account=\"alice\"}", "0"},
      {"popfetchd_messages_skipped{account=\"bob\"}", "2"},
      {"popfetchd_account_state{account=\"alice\",state=\"idle\"}", "1"},
      {"popfetchd_account_state{account=\"alice\",state=\"polling\"}", "0"},
      {"popfetchd_account_state{account=\"alice\",state=\"backoff\"}", "0"},
      {"popfetchd_account_state{account=\"bob\",state=\"idle\"}", "0"},
      {"popfetchd_account_state{account=\"bob\",state=\"polling\"}", "0"},
      {"popfetchd_account_state{account=\"bob\",state=\"backoff\"}", "1"},
  };
  // The histogram's samples have their own test (PollDurationHistogram).
  std::map<std::string, std::string> samples = m.samples;
  std::erase_if(samples, [](const auto& entry) { return entry.first.starts_with("popfetchd_poll_duration_"); });
  EXPECT_EQ(samples, expected_samples);
}

AccountHealth alice_delivering(bool failing) {
  AccountHealth a = alice();
  DeliveryHealth maildir;
  maildir.target = "maildir:/srv/mail/alice";
  maildir.delivered = 40;
  maildir.pending = 2;
  DeliveryHealth lmtp;
  lmtp.target = "lmtp:unix:/run/dovecot/lmtp";
  lmtp.failed = failing ? 1 : 0;
  lmtp.failing = failing;
  if (failing) lmtp.last_error = "550 5.1.1 no such user";
  a.deliveries = {maildir, lmtp};
  return a;
}

TEST(Deliveries, AFailingTargetMakesTheSnapshotDegraded) {
  EXPECT_TRUE(snapshot({alice_delivering(false)}).healthy());
  EXPECT_FALSE(snapshot({alice_delivering(true)}).healthy());
}

TEST(Deliveries, JsonListsEveryTargetOfTheAccount) {
  const auto body = nlohmann::json::parse(render_health_json(snapshot({alice_delivering(true)})));
  EXPECT_EQ(body["status"], "degraded");
  const auto& targets = body["accounts"][0]["deliveries"];
  ASSERT_EQ(targets.size(), 2u);
  EXPECT_EQ(targets[0]["target"], "maildir:/srv/mail/alice");
  EXPECT_EQ(targets[0]["delivered"], 40);
  EXPECT_EQ(targets[0]["pending"], 2);
  EXPECT_TRUE(targets[0]["last_error"].is_null());
  EXPECT_EQ(targets[1]["failed"], 1);
  EXPECT_EQ(targets[1]["failing"], true);
  EXPECT_EQ(targets[1]["last_error"], "550 5.1.1 no such user");
}

TEST(Deliveries, MetricsHaveOneSamplePerTarget) {
  const Parsed m = parse_exposition(render_metrics(snapshot({alice_delivering(true)})));
  EXPECT_EQ(m.samples.at(R"(popfetchd_delivery_delivered_messages{account="alice",target="maildir:/srv/mail/alice"})"),
            "40");
  EXPECT_EQ(m.samples.at(R"(popfetchd_delivery_pending_messages{account="alice",target="maildir:/srv/mail/alice"})"),
            "2");
  EXPECT_EQ(m.samples.at(R"(popfetchd_delivery_failing{account="alice",target="lmtp:unix:/run/dovecot/lmtp"})"),
            "1");
  EXPECT_EQ(m.samples.at(R"(popfetchd_healthy)"), "0");
}

TEST(Metrics, LabelValuesAreEscapedInTheOutput) {
  // Config validation makes such names impossible; the renderer must not rely on it.
  AccountHealth odd = alice();
  odd.name = "we\"ird\\name\n";
  HealthSnapshot s = snapshot({odd});
  s.version = "1.0\"x";
  const std::string text = render_metrics(s);
  EXPECT_NE(text.find("popfetchd_polls_total{account=\"we\\\"ird\\\\name\\n\"} 7\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("popfetchd_build_info{version=\"1.0\\\"x\"} 1\n"), std::string::npos) << text;
  parse_exposition(text);
}

TEST(Metrics, NoAccountsStillWellFormed) {
  const Parsed m = parse_exposition(render_metrics(snapshot({})));
  EXPECT_EQ(m.types.count("popfetchd_up"), 0u);
  EXPECT_EQ(m.samples.at("popfetchd_healthy"), "1");
  EXPECT_EQ(m.samples.count("popfetchd_polls_total{account=\"alice\"}"), 0u);
}

TEST(Metrics, ProcessFamiliesOnlyWhenTheSnapshotHasThem) {
  const Parsed without = parse_exposition(render_metrics(snapshot({})));
  EXPECT_EQ(without.types.count("process_open_fds"), 0u);

  HealthSnapshot s = snapshot({});
  s.process = ProcessStats{};
  s.process->cpu_seconds = 1.5;
  s.process->resident_bytes = 4096;
  s.process->open_fds = 9;
  s.process->start_time_seconds = 1700000000.25;
  const Parsed m = parse_exposition(render_metrics(s));
  EXPECT_EQ(m.types.at("process_cpu_seconds_total"), "counter");
  EXPECT_EQ(m.types.at("process_resident_memory_bytes"), "gauge");
  EXPECT_EQ(m.types.at("process_open_fds"), "gauge");
  EXPECT_EQ(m.types.at("process_start_time_seconds"), "gauge");
  EXPECT_EQ(std::stod(m.samples.at("process_cpu_seconds_total")), 1.5);
  EXPECT_EQ(m.samples.at("process_resident_memory_bytes"), "4096");
  EXPECT_EQ(m.samples.at("process_open_fds"), "9");
  EXPECT_EQ(std::stod(m.samples.at("process_start_time_seconds")), 1700000000.25);

  s.process = ProcessStats{};  // nothing could be read: no family at all
  EXPECT_EQ(parse_exposition(render_metrics(s)).types.count("process_cpu_seconds_total"), 0u);
}

TEST(ConfigReload, ARejectedReloadIsStaleDegradedAndInTheMetrics) {
  HealthSnapshot s = snapshot({alice()});
  s.config_last_reload_success_timestamp_seconds = 1700000000;
  ASSERT_TRUE(s.healthy());
  const auto fine = nlohmann::json::parse(render_health_json(s));
  EXPECT_EQ(fine["config_stale"], false);
  EXPECT_TRUE(fine["config_error"].is_null());

  s.config_last_reload_successful = false;
  s.config_last_reload_timestamp_seconds = 1700000200;
  s.config_error = "popfetchd.yaml:7:3: unknown key 'acounts'";
  EXPECT_FALSE(s.healthy());
  const auto body = nlohmann::json::parse(render_health_json(s));
  EXPECT_EQ(body["status"], "degraded");
  EXPECT_EQ(body["config_stale"], true);
  EXPECT_EQ(body["config_error"], "popfetchd.yaml:7:3: unknown key 'acounts'");
  EXPECT_EQ(body["config_last_reload_at"], 1700000200);
  EXPECT_EQ(body["config_loaded_at"], 1700000000);

  const Parsed m = parse_exposition(render_metrics(s));
  EXPECT_EQ(m.samples.at("popfetchd_config_last_reload_successful"), "0");
  EXPECT_EQ(m.samples.at("popfetchd_config_last_reload_success_timestamp_seconds"), "1700000000");
  EXPECT_EQ(m.samples.at("popfetchd_healthy"), "0");
}

TEST(Metrics, OldNamesAreGone) {
  const std::string text = render_metrics(snapshot({alice(), bob_failing()}));
  for (const char* old : {"popfetchd_up", "popfetchd_uptime_seconds", "popfetchd_messages_stored_total",
                          "popfetchd_bytes_stored_total", "popfetchd_messages_fetched_total",
                          "popfetchd_bytes_fetched_total"}) {
    EXPECT_EQ(text.find(std::string(old) + " "), std::string::npos) << old;
    EXPECT_EQ(text.find(std::string(old) + "{"), std::string::npos) << old;
  }
}

// Prometheus's own linter, when it is installed (it is not a build dependency).
TEST(Metrics, PromtoolCheckMetricsIsClean) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) GTEST_SKIP() << "promtool not installed";
  HealthSnapshot s = snapshot({alice_delivering(true), bob_failing()});
  s.process = read_process_stats();
  const std::string text = render_metrics(s);
  FILE* lint = popen("promtool check metrics >/dev/null 2>&1", "w");
  ASSERT_NE(lint, nullptr);
  ASSERT_EQ(std::fwrite(text.data(), 1, text.size(), lint), text.size());
  EXPECT_EQ(pclose(lint), 0) << text;
}

}  // namespace
}  // namespace health

namespace health {
namespace {

TEST(PollDurationHistogram, ObservationsLandInTheirBucket) {
  DurationHistogram h;
  h.observe(0.1);    // <= 0.25
  h.observe(0.25);   // the bound itself belongs to its bucket (le = less or equal)
  h.observe(3.0);    // (2.5, 5]
  h.observe(5000);   // above every bound
  h.observe(-1);     // a clock step: counted as 0
  EXPECT_EQ(h.count, 5u);
  EXPECT_DOUBLE_EQ(h.sum_seconds, 5003.35);
  EXPECT_EQ(h.in_bucket[0], 3u);
  EXPECT_EQ(h.in_bucket[4], 1u);
  EXPECT_EQ(h.in_bucket.back(), 1u);
}

TEST(PollDurationHistogram, RenderedCumulativeWithInfSumAndCount) {
  AccountHealth a = alice();
  a.poll_durations.observe(0.4);
  a.poll_durations.observe(12);
  a.poll_durations.observe(2000);
  const std::string text = render_metrics(snapshot({a, bob_failing()}));
  EXPECT_NE(text.find("# TYPE popfetchd_poll_duration_seconds histogram\n"), std::string::npos);
  for (const char* line : {
           "popfetchd_poll_duration_seconds_bucket{account=\"alice\",le=\"0.25\"} 0\n",
           "popfetchd_poll_duration_seconds_bucket{account=\"alice\",le=\"0.5\"} 1\n",
           "popfetchd_poll_duration_seconds_bucket{account=\"alice\",le=\"10\"} 1\n",
           "popfetchd_poll_duration_seconds_bucket{account=\"alice\",le=\"30\"} 2\n",
           "popfetchd_poll_duration_seconds_bucket{account=\"alice\",le=\"900\"} 2\n",
           "popfetchd_poll_duration_seconds_bucket{account=\"alice\",le=\"+Inf\"} 3\n",
           "popfetchd_poll_duration_seconds_sum{account=\"alice\"} 2012.4\n",
           "popfetchd_poll_duration_seconds_count{account=\"alice\"} 3\n",
           // An account that never polled has every series, at zero.
           "popfetchd_poll_duration_seconds_bucket{account=\"bob\",le=\"+Inf\"} 0\n",
           "popfetchd_poll_duration_seconds_sum{account=\"bob\"} 0\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line;
  }
  // The family's samples follow its TYPE line without another family between.
  const std::size_t type = text.find("# TYPE popfetchd_poll_duration_seconds ");
  const std::size_t next_family = text.find("# HELP", type);
  EXPECT_GT(next_family, text.rfind("popfetchd_poll_duration_seconds_count"));
}

}  // namespace
}  // namespace health
