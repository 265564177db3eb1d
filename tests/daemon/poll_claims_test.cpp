// PollClaims when the archive's PostgreSQL cannot be reached: every claim is
// a Storage error (the scheduler backs the account off), /health's leases
// carry the error (degraded), and the next connection attempt waits (1 s,
// doubling): the accounts due meanwhile fail at once instead of each trying
// to connect. The claims against a live server: tests/store/pg_leases_test.cpp
// and tests/integration/multi_daemon_test.cpp.

#include <gtest/gtest.h>

#include <string>

#include "daemon/poll_claims.hpp"
#include "net/uv.hpp"

namespace popfetchd::daemon {
namespace {

constexpr const char* kNowhere = "postgresql://u:secret-pw@/nodb?host=/nonexistent-dir&connect_timeout=2";

TEST(PollClaims, AnUnreachableDatabaseFailsClaimsAndWaitsBeforeConnectingAgain) {
  net::UvLoop uv;
  {
    PollClaims claims(uv.get(), kNowhere, 2, Millis{2'000});
    claims.start();  // the first heartbeat cannot connect
    const health::LeaseHealth health = claims.health();
    ASSERT_TRUE(health.last_error);
    EXPECT_EQ(health.last_error->find("secret-pw"), std::string::npos) << *health.last_error;
    EXPECT_TRUE(health.held.empty());

    auto claimed = claims.may_poll("a");
    ASSERT_FALSE(claimed);
    EXPECT_EQ(claimed.error().kind, common::ErrorKind::Storage);
    EXPECT_NE(claimed.error().message.find("connecting to the archive again in 1s"), std::string::npos)
        << claimed.error().message;

    health::HealthSnapshot snapshot;
    snapshot.accounts.resize(1);
    snapshot.accounts[0].name = "a";
    claims.fill(snapshot);
    EXPECT_EQ(snapshot.accounts[0].held_here, false);
    EXPECT_FALSE(snapshot.healthy());
    claims.shutdown();
  }
  EXPECT_EQ(uv.close(), 0u) << "the heartbeat timer was left open";
}

TEST(PollClaims, NoneForAnSqliteArchive) {
  net::UvLoop uv;
  config::Config config;
  config.database = "/var/lib/popfetchd/popfetchd.db";
  EXPECT_EQ(make_poll_claims(uv.get(), config), nullptr);
  config.database = kNowhere;
  EXPECT_NE(make_poll_claims(uv.get(), config), nullptr);
}

}  // namespace
}  // namespace popfetchd::daemon
