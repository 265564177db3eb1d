// What the health server answers: /health and /metrics by health, HEAD,
// /poll, the error statuses for bad requests, a callback that throws, and
// the status command against it (the fixture: server_fixture.hpp).

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "health/status_table.hpp"
#include "server_fixture.hpp"

namespace health {
namespace {

using test_support::HealthServerTest;
using test_support::degraded_snapshot;
using test_support::get;

TEST_F(HealthServerTest, HealthyAnswers200WithTheJson) {
  start_server();
  std::optional<common::Result<HttpResponse>> result;
  run_with_client([&] { result = fetch_health(path_); });
  ASSERT_TRUE(result && result->ok()) << result->error().message;
  const HttpResponse& response = **result;
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.header("Content-Type"), "application/json");
  EXPECT_EQ(response.header("Connection"), "close");
  EXPECT_EQ(response.header("Content-Length"), std::to_string(response.body.size()));
  const auto body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body["status"], "ok");
  EXPECT_EQ(body["version"], "0.1.0-test");
  EXPECT_EQ(body["accounts"][0]["name"], "alice");
  EXPECT_EQ(body, nlohmann::json::parse(render_health_json(snapshot_)));
}

TEST_F(HealthServerTest, DegradedAnswers503) {
  snapshot_ = degraded_snapshot();
  start_server();
  auto response = exchange(get("/health"));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 503);
  EXPECT_EQ(nlohmann::json::parse(response->body)["status"], "degraded");
}

TEST_F(HealthServerTest, MetricsInPrometheusTextFormat) {
  start_server();
  auto response = exchange(get("/metrics"));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  // The snapshot's families, and the process's own that the route reads from /proc.
  const std::string own = render_metrics(snapshot_);
  EXPECT_EQ(response->body.substr(response->body.size() - 200), own.substr(own.size() - 200));
  EXPECT_NE(response->body.find("popfetchd_polls_total{account=\"alice\"} 1\n"), std::string::npos);
  EXPECT_NE(response->body.find("# TYPE process_resident_memory_bytes gauge\n"), std::string::npos);
  EXPECT_NE(response->body.find("\nprocess_open_fds "), std::string::npos);
}

TEST_F(HealthServerTest, HeadIsGetWithoutBody) {
  start_server();
  auto response = exchange(get("/health", "HEAD"));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->header("Content-Length"), std::to_string(render_health_json(snapshot_).size()));
  EXPECT_TRUE(response->body.empty());
}

TEST_F(HealthServerTest, PollOfAKnownAccountIsAccepted) {
  start_server();
  auto response = exchange("POST /poll/alice HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 202);
  EXPECT_EQ(nlohmann::json::parse(response->body),
            (nlohmann::json{{"status", "accepted"}, {"account", "alice"}}));
  ASSERT_EQ(poll_requests_.size(), 1u);
  EXPECT_EQ(poll_requests_[0], "alice");
}

TEST_F(HealthServerTest, PollOfAllAccountsIsAccepted) {
  start_server();
  auto response = exchange(get("/poll", "POST"));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 202);
  ASSERT_EQ(poll_requests_.size(), 1u);
  EXPECT_EQ(poll_requests_[0], std::nullopt);
}

TEST_F(HealthServerTest, PollOfAnUnknownAccountIs404) {
  start_server();
  auto response = exchange(get("/poll/nobody", "POST"));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 404);
  ASSERT_EQ(poll_requests_.size(), 1u);
  EXPECT_EQ(poll_requests_[0], "nobody");
}

TEST_F(HealthServerTest, PollOfAnImpossibleNameNeverReachesTheScheduler) {
  start_server();
  auto response = exchange(get("/poll/al%2Fice", "POST"));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 404);
  EXPECT_TRUE(poll_requests_.empty());
}

TEST_F(HealthServerTest, UnknownPathIs404) {
  start_server();
  auto response = exchange(get("/nothing-here"));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 404);
  EXPECT_EQ(nlohmann::json::parse(response->body)["error"], "not found");
}

TEST_F(HealthServerTest, WrongMethodIs405WithAllow) {
  start_server();
  auto post_health = exchange(get("/health", "POST"));
  ASSERT_TRUE(post_health.ok()) << post_health.error().message;
  EXPECT_EQ(post_health->status, 405);
  EXPECT_EQ(post_health->header("Allow"), "GET, HEAD");

  start_server();
  auto get_poll = exchange(get("/poll/alice"));
  ASSERT_TRUE(get_poll.ok()) << get_poll.error().message;
  EXPECT_EQ(get_poll->status, 405);
  EXPECT_EQ(get_poll->header("Allow"), "POST");
  EXPECT_TRUE(poll_requests_.empty());
}

TEST_F(HealthServerTest, GarbageIs400) {
  start_server();
  auto response = exchange("\x16\x03\x01 this is not HTTP\r\n\r\n");
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 400);
}

TEST_F(HealthServerTest, OversizedHeadIsCutOffWith431) {
  start_server();
  const std::string huge =
      "GET /health HTTP/1.1\r\nHost: localhost\r\nX-Pad: " + std::string(64 * 1024, 'a') + "\r\n\r\n";
  auto response = exchange(huge);
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 431);
}

TEST_F(HealthServerTest, OversizedBodyIs413) {
  start_server();
  auto response = exchange("POST /poll HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000000\r\n\r\n" +
                           std::string(4096, 'x'));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 413);
  EXPECT_TRUE(poll_requests_.empty());
}

TEST_F(HealthServerTest, ExceptionInACallbackIsA500) {
  callbacks_.snapshot = []() -> HealthSnapshot { throw std::runtime_error("scheduler broke"); };
  start_server();
  auto response = exchange(get("/health"));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 500);
}

TEST_F(HealthServerTest, StatusCommandPrintsTheTableAndExitsByHealth) {
  start_server();
  StatusOutput healthy;
  run_with_client([&] { healthy = run_status(path_, false, snapshot_.now); });
  EXPECT_EQ(healthy.exit_status, kStatusHealthy) << healthy.error;
  EXPECT_TRUE(healthy.error.empty());
  EXPECT_EQ(healthy.out, render_status_table(render_health_json(snapshot_), snapshot_.now)->text);

  snapshot_ = degraded_snapshot();
  start_server();
  StatusOutput degraded;
  run_with_client([&] { degraded = run_status(path_, false, snapshot_.now); });
  EXPECT_EQ(degraded.exit_status, kStatusDegraded) << degraded.error;
  EXPECT_NE(degraded.out.find("bob      backoff"), std::string::npos) << degraded.out;
}

TEST_F(HealthServerTest, StatusCommandJsonPrintsTheRawBody) {
  snapshot_ = degraded_snapshot();
  start_server();
  StatusOutput output;
  run_with_client([&] { output = run_status(path_, true, snapshot_.now); });
  EXPECT_EQ(output.exit_status, kStatusDegraded);
  EXPECT_EQ(output.out, render_health_json(snapshot_) + "\n");
}

TEST_F(HealthServerTest, StatusCommandAfterStopIsUnreachable) {
  start_server();
  server_->stop();
  StatusOutput output;
  run_with_client([&] { output = run_status(path_, false, snapshot_.now); });
  EXPECT_EQ(output.exit_status, kStatusUnreachable);
  EXPECT_FALSE(output.error.empty());
}

}  // namespace
}  // namespace health
