// /health with a PostgreSQL archive shared by several daemons: which accounts
// this daemon holds (per account held_here, and the leases object), and a
// database that does not answer the claims makes the daemon degraded; the
// same figures in /metrics, and none of them with SQLite.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "health/state.hpp"

namespace health {
namespace {

HealthSnapshot shared_archive() {
  HealthSnapshot s;
  s.version = "test";
  AccountHealth alice;
  alice.name = "alice";
  alice.held_here = true;
  AccountHealth bob;
  bob.name = "bob";
  bob.held_here = false;
  s.accounts = {alice, bob};
  LeaseHealth leases;
  leases.instance = "0123456789abcdef0123456789abcdef";
  leases.hostname = "node1";
  leases.live_instances = 2;
  leases.share = 1;
  leases.lease_seconds = 120;
  leases.held = {"alice"};
  s.leases = leases;
  return s;
}

TEST(LeasesJson, SaysWhichAccountsThisDaemonHolds) {
  const HealthSnapshot s = shared_archive();
  ASSERT_TRUE(s.healthy());
  const auto body = nlohmann::json::parse(render_health_json(s));
  EXPECT_EQ(body["status"], "ok");
  EXPECT_EQ(body["accounts"][0]["held_here"], true);
  EXPECT_EQ(body["accounts"][1]["held_here"], false);
  EXPECT_EQ(body["leases"]["instance"], "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(body["leases"]["hostname"], "node1");
  EXPECT_EQ(body["leases"]["live_instances"], 2);
  EXPECT_EQ(body["leases"]["share"], 1);
  EXPECT_EQ(body["leases"]["lease_seconds"], 120.0);
  EXPECT_EQ(body["leases"]["held"], nlohmann::json::array({"alice"}));
  EXPECT_TRUE(body["leases"]["last_error"].is_null());
}

TEST(LeasesJson, AnUnreachableDatabaseIsDegraded) {
  HealthSnapshot s = shared_archive();
  s.leases->last_error = "connecting to postgresql://u:***@db/archive: connection refused";
  EXPECT_FALSE(s.healthy());
  const auto body = nlohmann::json::parse(render_health_json(s));
  EXPECT_EQ(body["status"], "degraded");
  EXPECT_EQ(body["leases"]["last_error"], "connecting to postgresql://u:***@db/archive: connection refused");
}

TEST(LeasesJson, AnSqliteArchiveHasNeither) {
  HealthSnapshot s;
  AccountHealth alice;
  alice.name = "alice";
  s.accounts = {alice};
  const auto body = nlohmann::json::parse(render_health_json(s));
  EXPECT_TRUE(body["leases"].is_null());
  EXPECT_TRUE(body["accounts"][0]["held_here"].is_null());
}

TEST(LeasesMetrics, SayWhichAccountsThisDaemonHoldsAndHowManyDaemonsLive) {
  const std::string text = render_metrics(shared_archive());
  for (const char* line : {
           "popfetchd_account_held_here{account=\"alice\"} 1\n",
           "popfetchd_account_held_here{account=\"bob\"} 0\n",
           "popfetchd_lease_live_instances 2\n",
           "popfetchd_lease_share 1\n",
           "popfetchd_lease_held_accounts 1\n",
           "popfetchd_lease_duration_seconds 120\n",
           "popfetchd_lease_database_up 1\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line;
  }
}

TEST(LeasesMetrics, AnUnreachableDatabaseIsDown) {
  HealthSnapshot s = shared_archive();
  s.leases->last_error = "connection refused";
  EXPECT_NE(render_metrics(s).find("popfetchd_lease_database_up 0\n"), std::string::npos);
}

TEST(LeasesMetrics, AnSqliteArchiveHasNone) {
  HealthSnapshot s;
  AccountHealth alice;
  alice.name = "alice";
  s.accounts = {alice};
  const std::string text = render_metrics(s);
  EXPECT_EQ(text.find("popfetchd_lease_"), std::string::npos);
  EXPECT_EQ(text.find("popfetchd_account_held_here"), std::string::npos);
  EXPECT_NE(text.find("popfetchd_polls_total{account=\"alice\"}"), std::string::npos);
}

}  // namespace
}  // namespace health
