#include "health/routes.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <vector>
#include <stdexcept>

namespace health {
namespace {

HttpRequest request(std::string method, std::string path) {
  HttpRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.target = r.path;
  return r;
}

class HealthRoutesTest : public ::testing::Test {
 protected:
  HealthRoutesTest() {
    snapshot_.version = "1.2.3";
    AccountHealth alice;
    alice.name = "alice";
    snapshot_.accounts.push_back(alice);
    callbacks_.snapshot = [this] { return snapshot_; };
    callbacks_.request_poll = [this](std::optional<std::string> account) {
      polls_.push_back(account);
      return !account || *account == "alice" ? PollRequest::Accepted : PollRequest::UnknownAccount;
    };
    callbacks_.request_delivery = [this](std::optional<std::string> account) {
      deliveries_.push_back(account);
      return !account || *account == "alice" ? PollRequest::Accepted : PollRequest::UnknownAccount;
    };
  }

  HealthSnapshot snapshot_;
  HealthCallbacks callbacks_;
  std::vector<std::optional<std::string>> polls_;
  std::vector<std::optional<std::string>> deliveries_;
};

TEST_F(HealthRoutesTest, StatusForEveryMethodAndPath) {
  struct Row {
    const char* method;
    const char* path;
    int status;
  };
  const std::vector<Row> table = {
      {"GET", "/livez", 200},        {"HEAD", "/livez", 200},
      {"POST", "/livez", 405},       {"GET", "/livez/", 404},
      {"GET", "/health", 200},       {"HEAD", "/health", 200},
      {"POST", "/health", 405},      {"DELETE", "/health", 405},
      {"GET", "/metrics", 200},      {"HEAD", "/metrics", 200},
      {"PUT", "/metrics", 405},      {"POST", "/poll", 202},
      {"GET", "/poll", 405},         {"POST", "/poll/alice", 202},
      {"POST", "/poll/nobody", 404}, {"GET", "/poll/alice", 405},
      {"POST", "/poll/", 404},       {"POST", "/poll/a/b", 404},
      {"POST", "/poll/al ice", 404}, {"GET", "/", 404},
      {"GET", "/health/", 404},      {"GET", "/HEALTH", 404},
      {"GET", "/metrics/x", 404},    {"OPTIONS", "*", 404},
      {"POST", "/deliver", 202},     {"POST", "/deliver/alice", 202},
      {"GET", "/deliver/alice", 405}, {"POST", "/deliver/nobody", 404},
      {"POST", "/deliver/..", 404},
  };
  for (const Row& row : table) {
    const HttpAnswer answer = answer_request(request(row.method, row.path), callbacks_);
    EXPECT_EQ(answer.status, row.status) << row.method << " " << row.path;
  }
}

TEST_F(HealthRoutesTest, DeliverPassesTheAccountOnAndNeverPolls) {
  EXPECT_EQ(answer_request(request("POST", "/deliver/alice"), callbacks_).status, 202);
  EXPECT_EQ(answer_request(request("POST", "/deliver"), callbacks_).status, 202);
  EXPECT_EQ(deliveries_, (std::vector<std::optional<std::string>>{"alice", std::nullopt}));
  EXPECT_TRUE(polls_.empty());
}

TEST_F(HealthRoutesTest, HealthIs503WhenDegraded) {
  snapshot_.accounts[0].consecutive_failures = 1;
  const HttpAnswer answer = answer_request(request("GET", "/health"), callbacks_);
  EXPECT_EQ(answer.status, 503);
  EXPECT_EQ(answer.content_type, kJsonContentType);
  EXPECT_EQ(answer.body, render_health_json(snapshot_));
}

TEST_F(HealthRoutesTest, LivezIsAliveWhateverTheAccountsAndWithoutCallbacks) {
  snapshot_.accounts[0].consecutive_failures = 5;  // /health says 503
  EXPECT_EQ(answer_request(request("GET", "/health"), callbacks_).status, 503);
  const HttpAnswer alive = answer_request(request("GET", "/livez"), callbacks_);
  EXPECT_EQ(alive.status, 200);
  EXPECT_EQ(alive.content_type, kJsonContentType);
  EXPECT_EQ(nlohmann::json::parse(alive.body), nlohmann::json({{"status", "alive"}}));

  // Liveness must not depend on the owner's snapshot: neither a missing nor a throwing one.
  EXPECT_EQ(answer_request(request("GET", "/livez"), HealthCallbacks{}).status, 200);
  HealthCallbacks throwing;
  throwing.snapshot = []() -> HealthSnapshot { throw std::runtime_error("boom"); };
  EXPECT_EQ(answer_request(request("HEAD", "/livez"), throwing).status, 200);
  const HttpAnswer head = answer_request(request("HEAD", "/livez"), callbacks_);
  EXPECT_TRUE(head.head);
  EXPECT_EQ(answer_request(request("POST", "/livez"), callbacks_).extra_headers.at(0).second, "GET, HEAD");
}

TEST_F(HealthRoutesTest, PollPassesTheAccountOn) {
  EXPECT_EQ(answer_request(request("POST", "/poll/alice"), callbacks_).status, 202);
  EXPECT_EQ(answer_request(request("POST", "/poll"), callbacks_).status, 202);
  EXPECT_EQ(answer_request(request("POST", "/poll/nobody"), callbacks_).status, 404);
  EXPECT_EQ(polls_, (std::vector<std::optional<std::string>>{"alice", std::nullopt, "nobody"}));
}

TEST_F(HealthRoutesTest, DotNamesAreNotAccountNamesAndNeverReachTheCallback) {
  // The same rule as check-config and the lock files: "." and ".." name no account.
  EXPECT_EQ(answer_request(request("POST", "/poll/.."), callbacks_).status, 404);
  EXPECT_EQ(answer_request(request("POST", "/poll/."), callbacks_).status, 404);
  EXPECT_TRUE(polls_.empty());
}

TEST_F(HealthRoutesTest, RateLimitedPollIs429WithAReason) {
  callbacks_.request_poll = [](std::optional<std::string>) { return PollRequest::RateLimited; };
  const HttpAnswer one = answer_request(request("POST", "/poll/alice"), callbacks_);
  EXPECT_EQ(one.status, 429);
  EXPECT_EQ(one.content_type, kJsonContentType);
  EXPECT_NE(one.body.find("on hold after its password was rejected"), std::string::npos) << one.body;
  const HttpAnswer all = answer_request(request("POST", "/poll"), callbacks_);
  EXPECT_EQ(all.status, 429);
  EXPECT_NE(all.body.find("every account is on hold"), std::string::npos) << all.body;
  EXPECT_NE(serialize(all).find("HTTP/1.1 429 Too Many Requests\r\n"), std::string::npos);
}

TEST_F(HealthRoutesTest, PollWhileShuttingDownIs503EvenForAKnownAccount) {
  callbacks_.request_poll = [](std::optional<std::string>) { return PollRequest::ShuttingDown; };
  EXPECT_EQ(answer_request(request("POST", "/poll"), callbacks_).status, 503);
  const HttpAnswer answer = answer_request(request("POST", "/poll/alice"), callbacks_);
  EXPECT_EQ(answer.status, 503);
  EXPECT_NE(answer.body.find("shutting down"), std::string::npos) << answer.body;
}

TEST_F(HealthRoutesTest, MissingCallbacksAre503NotACrash) {
  const HealthCallbacks none;
  EXPECT_EQ(answer_request(request("GET", "/health"), none).status, 503);
  EXPECT_EQ(answer_request(request("GET", "/metrics"), none).status, 503);
  EXPECT_EQ(answer_request(request("POST", "/poll"), none).status, 503);
}

TEST_F(HealthRoutesTest, ThrowingCallbackIs500) {
  callbacks_.request_poll = [](std::optional<std::string>) -> PollRequest { throw 42; };
  EXPECT_EQ(answer_request(request("POST", "/poll"), callbacks_).status, 500);
}

TEST(HealthRoutesSerialize, ExactResponseBytes) {
  HttpAnswer answer = error_answer(405, "method not allowed");
  answer.extra_headers.emplace_back("Allow", "POST");
  EXPECT_EQ(serialize(answer),
            "HTTP/1.1 405 Method Not Allowed\r\n"
            "Content-Type: application/json\r\n"
            "Content-Length: 30\r\n"
            "Cache-Control: no-store\r\n"
            "Allow: POST\r\n"
            "Connection: close\r\n"
            "\r\n"
            "{\"error\":\"method not allowed\"}");
}

TEST_F(HealthRoutesTest, ReadOnlyRoutesAnswerGetOnlyAndNeverPoll) {
  struct Row {
    const char* method;
    const char* path;
    int status;
  };
  const std::vector<Row> table = {
      {"GET", "/livez", 200},         {"HEAD", "/health", 200},      {"GET", "/metrics", 200},
      {"POST", "/poll", 405},         {"POST", "/poll/alice", 405},  {"POST", "/deliver", 405},
      {"POST", "/deliver/alice", 405}, {"POST", "/metrics", 405},    {"PUT", "/nowhere", 405},
      {"GET", "/poll", 404},          {"GET", "/", 404},
  };
  for (const Row& row : table) {
    const HttpAnswer answer = answer_request(request(row.method, row.path), callbacks_, Routes::ReadOnly);
    EXPECT_EQ(answer.status, row.status) << row.method << " " << row.path;
  }
  EXPECT_TRUE(polls_.empty());
  EXPECT_TRUE(deliveries_.empty());
}

TEST(HealthRoutesSerialize, HeadKeepsLengthDropsBody) {
  HttpAnswer answer;
  answer.status = 200;
  answer.content_type = "text/plain";
  answer.body = "hello";
  answer.head = true;
  EXPECT_EQ(serialize(answer),
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n"
            "Cache-Control: no-store\r\nConnection: close\r\n\r\n");
}

}  // namespace
}  // namespace health
