#include "health/status_table.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "health/state.hpp"

namespace health {
namespace {

constexpr std::int64_t kNow = 1700000300;

HealthSnapshot snapshot() {
  HealthSnapshot s;
  s.version = "0.1.0";
  s.started_at = kNow - 7200;
  s.now = kNow;
  AccountHealth alice;
  alice.name = "alice";
  alice.last_poll_at = kNow - 300;
  alice.last_success_at = kNow - 300;
  alice.next_poll_at = kNow + 240;
  alice.messages_stored = 1234;
  AccountHealth bob;
  bob.name = "bob";
  bob.state = AccountHealth::State::Backoff;
  bob.last_poll_at = kNow - 20;
  bob.last_error = "TLS handshake failed: certificate verify failed for pop.example.com\r\n(evil)";
  bob.consecutive_failures = 4;
  bob.next_poll_at = kNow + 3 * 3600;
  AccountHealth carol;
  carol.name = "carol";
  carol.state = AccountHealth::State::Polling;
  carol.last_success_at = kNow - 3 * 86400;
  carol.next_poll_at = kNow - 5;
  s.accounts = {alice, bob, carol};
  return s;
}

TEST(StatusTable, RendersEveryColumn) {
  auto table = render_status_table(render_health_json(snapshot()), kNow);
  ASSERT_TRUE(table.ok()) << table.error().message;
  EXPECT_EQ(table->exit_status, kStatusDegraded);
  EXPECT_EQ(
      table->text,
      "popfetchd 0.1.0, up 2h: degraded\n"
      "ACCOUNT  STATE    LAST SUCCESS  LAST ERROR                                   MESSAGES  NEXT POLL\n"
      "alice    idle     5m ago        -                                            1234      in 4m\n"
      "bob      backoff  never         TLS handshake failed: certificate verify...  0         in 3h\n"
      "carol    polling  3d ago        -                                            0         due\n");
}

// Issue 16: a poll that is retrieving shows how far it is.
TEST(StatusTable, APollingAccountShowsItsProgress) {
  HealthSnapshot s = snapshot();
  s.accounts[2].progress = ProgressHealth{1200, 5000, 96'000'000, 400'000'000, 2e6, 152};
  auto table = render_status_table(render_health_json(s), kNow);
  ASSERT_TRUE(table.ok()) << table.error().message;
  EXPECT_NE(table->text.find("\ncarol    polling 24%  3d ago"), std::string::npos) << table->text;
}

TEST(StatusTable, ARejectedReloadIsALineBelowTheHeader) {
  HealthSnapshot s = snapshot();
  s.accounts.resize(1);  // alice alone: only the config makes it degraded
  s.config_last_reload_successful = false;
  s.config_last_reload_timestamp_seconds = kNow - 120;  // 2023-11-14 22:16:20 UTC
  s.config_error = "/etc/popfetchd/popfetchd.yaml:7:3: unknown key 'acounts'";
  auto table = render_status_table(render_health_json(s), kNow);
  ASSERT_TRUE(table.ok()) << table.error().message;
  EXPECT_EQ(table->exit_status, kStatusDegraded);
  EXPECT_EQ(table->text.substr(0, table->text.find("ACCOUNT")),
            "popfetchd 0.1.0, up 2h: degraded\n"
            "config: reload rejected at 2023-11-14 22:16:20 UTC (2m ago): "
            "/etc/popfetchd/popfetchd.yaml:7:3: unknown key 'acounts'; the daemon runs the previous config\n");

  s.config_last_reload_successful = true;  // the next reload succeeded
  s.config_error.reset();
  auto fixed = render_status_table(render_health_json(s), kNow);
  ASSERT_TRUE(fixed.ok());
  EXPECT_EQ(fixed->text.find("config:"), std::string::npos);
  EXPECT_EQ(fixed->exit_status, kStatusHealthy);
}

TEST(StatusTable, ListsDeliveryTargetsBelowTheAccounts) {
  HealthSnapshot s = snapshot();
  DeliveryHealth maildir;
  maildir.target = "maildir:/srv/mail/alice";
  maildir.delivered = 1200;
  maildir.pending = 34;
  DeliveryHealth lmtp;
  lmtp.target = "lmtp:127.0.0.1:24";
  lmtp.failed = 2;
  lmtp.failing = true;
  lmtp.last_error = "550 5.1.1 <alice@example.com> unknown\r\nuser";
  s.accounts[0].deliveries = {maildir, lmtp};
  auto table = render_status_table(render_health_json(s), kNow);
  ASSERT_TRUE(table.ok()) << table.error().message;
  const std::string deliveries = table->text.substr(table->text.find("\n\n") + 2);
  EXPECT_EQ(deliveries,
            "ACCOUNT  DELIVERS TO              DELIVERED  PENDING  FAILED  LAST ERROR\n"
            "alice    maildir:/srv/mail/alice  1200       34       0       -\n"
            "alice    lmtp:127.0.0.1:24        0          0        2       550 5.1.1 <alice@example.com> unknown??u...\n");
}

TEST(StatusTable, HealthyExitsZero) {
  HealthSnapshot s = snapshot();
  s.accounts.erase(s.accounts.begin() + 1);
  auto table = render_status_table(render_health_json(s), kNow);
  ASSERT_TRUE(table.ok()) << table.error().message;
  EXPECT_EQ(table->exit_status, kStatusHealthy);
  EXPECT_TRUE(table->text.starts_with("popfetchd 0.1.0, up 2h: ok\n")) << table->text;
}

TEST(StatusTable, ErrorTextIsSanitisedAndCut) {
  HealthSnapshot s = snapshot();
  s.accounts[1].last_error = "a\x1b[31mred\nline" + std::string(100, 'z');
  auto table = render_status_table(render_health_json(s), kNow);
  ASSERT_TRUE(table.ok()) << table.error().message;
  EXPECT_EQ(table->text.find('\x1b'), std::string::npos);
  EXPECT_NE(table->text.find("a?[31mred?line" + std::string(kMaxErrorColumn - 14, 'z') + "..."),
            std::string::npos)
      << table->text;
  // Every row is one line: header + summary + three accounts.
  EXPECT_EQ(std::count(table->text.begin(), table->text.end(), '\n'), 5);
}

TEST(StatusTable, NoAccounts) {
  HealthSnapshot s = snapshot();
  s.accounts.clear();
  auto table = render_status_table(render_health_json(s), kNow);
  ASSERT_TRUE(table.ok()) << table.error().message;
  EXPECT_EQ(table->exit_status, kStatusHealthy);
  EXPECT_NE(table->text.find("(no accounts)\n"), std::string::npos);
}

TEST(StatusTable, MalformedBodiesAreProtocolErrors) {
  const std::vector<std::string> bodies = {
      "",
      "not json",
      "[]",
      "{\"accounts\": []}",
      "{\"status\": \"fine\", \"accounts\": []}",
      "{\"status\": \"ok\"}",
      "{\"status\": \"ok\", \"accounts\": {}}",
      "{\"status\": \"ok\", \"accounts\": [1]}",
      "{\"status\": \"ok\", \"accounts\": [{\"name\": \"a\"}]}",
      "{\"status\": \"ok\", \"accounts\": [{\"name\": \"a\", \"state\": \"idle\", \"last_success_at\": "
      "\"x\", "
      "\"last_error\": null, \"messages_stored\": 0, \"next_poll_at\": 0}]}",
      "{\"status\": \"ok\", \"accounts\": [{\"name\": \"a\", \"state\": \"idle\", \"last_success_at\": 0, "
      "\"last_error\": 5, \"messages_stored\": 0, \"next_poll_at\": 0}]}",
      "{\"status\": \"ok\", \"accounts\": [{\"name\": \"a\", \"state\": \"idle\", \"last_success_at\": 0, "
      "\"last_error\": null, \"messages_stored\": -1, \"next_poll_at\": 0}]}",
  };
  for (const std::string& body : bodies) {
    auto table = render_status_table(body, kNow);
    ASSERT_FALSE(table.ok()) << body;
    EXPECT_EQ(table.error().kind, common::ErrorKind::Protocol) << body;
    EXPECT_TRUE(table.error().message.starts_with("malformed health answer")) << table.error().message;
  }
}

TEST(StatusTable, MinimalDesignBodyIsEnough) {
  // Exactly DESIGN.md §4's keys, no extras.
  const std::string body =
      R"({"status": "ok", "version": "0.1.0", "uptime_s": 12,
          "accounts": [{"name": "alice", "state": "idle", "last_poll_at": 0,
          "last_success_at": 0, "last_error": null, "consecutive_failures": 0,
          "messages_stored": 0, "bytes_stored": 0, "next_poll_at": 0}]})";
  auto table = render_status_table(body, kNow);
  ASSERT_TRUE(table.ok()) << table.error().message;
  EXPECT_EQ(table->text,
            "popfetchd 0.1.0, up 12s: ok\n"
            "ACCOUNT  STATE  LAST SUCCESS  LAST ERROR  MESSAGES  NEXT POLL\n"
            "alice    idle   never         -           0         -\n");
}

TEST(RunStatus, UnreachableDaemonExitsThree) {
  const StatusOutput output = run_status("/nonexistent-popfetchd-dir/health.sock", false, kNow);
  EXPECT_EQ(output.exit_status, kStatusUnreachable);
  EXPECT_TRUE(output.out.empty());
  EXPECT_NE(output.error.find("/nonexistent-popfetchd-dir/health.sock"), std::string::npos) << output.error;
}

}  // namespace
}  // namespace health
