// MetricsStream: /metrics in pieces. Joined, the pieces are exactly
// render_metrics()'s text whatever the piece size; each piece is whole lines
// and about the size asked for; the server sends a streamed body of many
// pieces without a Content-Length, ended by the close.

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "health/metrics_stream.hpp"
#include "health/state.hpp"
#include "server_fixture.hpp"

namespace health {
namespace {

HealthSnapshot accounts(std::size_t count) {
  HealthSnapshot snapshot;
  snapshot.version = "0.1.0-test";
  snapshot.started_at = 1700000000;
  for (std::size_t i = 0; i < count; ++i) {
    AccountHealth account;
    account.name = "user" + std::to_string(i);
    account.polls_total = i;
    account.poll_durations.observe(0.3 * static_cast<double>(i % 7));
    if (i % 3 == 0) {
      DeliveryHealth target;
      target.target = "maildir:/srv/mail/\"" + account.name + "\"";  // a quote to escape
      target.pending = i;
      account.deliveries.push_back(target);
    }
    snapshot.accounts.push_back(account);
  }
  return snapshot;
}

std::vector<std::string> pieces(const HealthSnapshot& snapshot, std::size_t at_least) {
  MetricsStream stream(snapshot);
  std::vector<std::string> out;
  std::string piece;
  while (stream.next(piece, at_least)) {
    out.push_back(piece);
    piece.clear();
  }
  EXPECT_FALSE(stream.next(piece, at_least)) << "a stream that ended must stay ended";
  EXPECT_TRUE(piece.empty());
  return out;
}

TEST(MetricsStream, PiecesJoinToTheWholeTextForAnyPieceSize) {
  const HealthSnapshot snapshot = accounts(40);
  const std::string whole = render_metrics(snapshot);
  for (const std::size_t at_least : {std::size_t{1}, std::size_t{100}, std::size_t{4096}, SIZE_MAX}) {
    std::string joined;
    for (const std::string& piece : pieces(snapshot, at_least)) {
      EXPECT_EQ(piece.back(), '\n') << "pieces are whole lines (piece size " << at_least << ")";
      joined += piece;
    }
    EXPECT_EQ(joined, whole) << "piece size " << at_least;
  }
}

TEST(MetricsStream, NoAccountsIsTheDaemonsFamiliesAndEveryFamilyHead) {
  const HealthSnapshot snapshot = accounts(0);
  const std::vector<std::string> all = pieces(snapshot, 1);
  std::string joined;
  for (const std::string& piece : all) joined += piece;
  EXPECT_EQ(joined, render_metrics(snapshot));
  EXPECT_NE(joined.find("# TYPE popfetchd_polls_total counter\n"), std::string::npos);
  EXPECT_NE(joined.find("# TYPE popfetchd_delivery_failing gauge\n"), std::string::npos);
}

// Many accounts: every piece but the last is at least the size asked for, and
// none is much larger (one account's lines of one family at most), so the
// server's buffer stays near the piece size however many accounts there are.
TEST(MetricsStream, PiecesOfManyAccountsStayNearTheSizeAskedFor) {
  const HealthSnapshot snapshot = accounts(3000);
  constexpr std::size_t kPiece = 16 * 1024;
  const std::vector<std::string> all = pieces(snapshot, kPiece);
  ASSERT_GT(all.size(), 10u);
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (i + 1 < all.size()) {
      EXPECT_GE(all[i].size(), kPiece) << "piece " << i;
    }
    EXPECT_LT(all[i].size(), kPiece + 2048) << "piece " << i;
  }
}

using test_support::HealthServerTest;
using test_support::get;

// 3000 accounts are about 6.6 MB of text: far more than a socket buffer, so
// the server writes many pieces, each after the last one left.
TEST_F(HealthServerTest, MetricsOfManyAccountsAreStreamedWithoutContentLength) {
  snapshot_ = accounts(3000);
  start_server();
  std::optional<common::Result<HttpResponse>> result;
  run_with_client([&] { result = http_exchange(path_, get("/metrics"), std::chrono::seconds(60)); });
  ASSERT_TRUE(result && result->ok()) << result->error().message;
  const HttpResponse& response = **result;
  EXPECT_EQ(response.status, 200);
  EXPECT_FALSE(response.header("Content-Length")) << "the length of a streamed body is not known in advance";
  EXPECT_EQ(response.header("Connection"), "close");
  // The route adds the process's own families (read from /proc) before the
  // accounts'; from the first account family on, the text is the snapshot's.
  const std::string own = render_metrics(snapshot_);
  const std::string from = "# HELP popfetchd_polls_total ";
  ASSERT_NE(response.body.find(from), std::string::npos);
  EXPECT_EQ(response.body.substr(response.body.find(from)), own.substr(own.find(from)));
}

TEST_F(HealthServerTest, HeadOfMetricsHasNoBody) {
  start_server();
  auto response = exchange(get("/metrics", "HEAD"));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_TRUE(response->body.empty());
}

}  // namespace
}  // namespace health
