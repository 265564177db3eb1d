// Several daemons on one PostgreSQL archive (store/pg_leases.hpp): the pure
// rule (fair share, the verdict table, the lease time), then the rule against
// the private PostgreSQL of the tests with two or three PgLeases standing in
// for daemons: spreading, giving up above the share, a dead holder's accounts
// taken after the lease time, a stalled holder's kept by its advisory lock,
// a clean shutdown's at once.

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "store/archive.hpp"
#include "store/pg_leases.hpp"
#include "support/postgres_server.hpp"

namespace {

using store::LeaseRow;
using store::LeaseVerdict;
using store::PgLeases;
using namespace std::chrono_literals;

TEST(LeaseRule, FairShareIsTheCeilingOfAccountsPerLiveInstance) {
  EXPECT_EQ(store::fair_share(50, 1), 50);
  EXPECT_EQ(store::fair_share(50, 2), 25);
  EXPECT_EQ(store::fair_share(50, 3), 17);
  EXPECT_EQ(store::fair_share(1, 4), 1);
  EXPECT_EQ(store::fair_share(0, 2), 0);
  EXPECT_EQ(store::fair_share(7, 0), 7) << "the claiming instance is alive even if no row says so yet";
}

TEST(LeaseRule, VerdictTable) {
  struct Case {
    LeaseRow row;
    std::int64_t held_besides;
    std::int64_t share;
    LeaseVerdict expected;
  };
  const Case cases[] = {
      {LeaseRow::Free, 0, 1, LeaseVerdict::Take},       {LeaseRow::Free, 1, 1, LeaseVerdict::OverShare},
      {LeaseRow::Expired, 3, 5, LeaseVerdict::Take},    {LeaseRow::Expired, 5, 5, LeaseVerdict::OverShare},
      {LeaseRow::Mine, 4, 5, LeaseVerdict::Renew},      {LeaseRow::Mine, 5, 5, LeaseVerdict::Release},
      {LeaseRow::Others, 0, 50, LeaseVerdict::HeldElsewhere},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(store::decide_lease(c.row, c.held_besides, c.share), c.expected)
        << static_cast<int>(c.row) << " " << c.held_besides << "/" << c.share;
  }
  EXPECT_TRUE(store::may_poll(LeaseVerdict::Take));
  EXPECT_TRUE(store::may_poll(LeaseVerdict::Renew));
  EXPECT_FALSE(store::may_poll(LeaseVerdict::Release));
}

TEST(LeaseRule, LeaseTimeIsTheIntervalWithinBounds) {
  EXPECT_EQ(store::lease_time_for(300'000ms), store::kMaxLease);
  EXPECT_EQ(store::lease_time_for(30'000ms), 30'000ms);
  EXPECT_EQ(store::lease_time_for(500ms), store::kMinLease);
}

TEST(LeaseRule, InstanceIdsDifferPerStart) {
  const auto a = store::this_instance();
  const auto b = store::this_instance();
  EXPECT_EQ(a.id.size(), 32U);
  EXPECT_NE(a.id, b.id);
}

class PgLeasesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto uri = test_support::fresh_postgres_database();
    ASSERT_TRUE(uri) << uri.error().message;
    uri_ = *uri;
    ASSERT_TRUE(store::Archive::open(uri_)) << "the archive's schema holds the lease tables";
    name_ = uri_.substr(uri_.find("///") + 3, uri_.find('?') - uri_.find("///") - 3);
  }
  PgLeases instance(std::chrono::milliseconds lease = 60'000ms) {
    return PgLeases(uri_, store::this_instance(), lease);
  }
  LeaseVerdict claim(PgLeases& leases, const std::string& account, std::int64_t accounts) {
    auto claimed = leases.claim(account, accounts);
    EXPECT_TRUE(claimed) << claimed.error().message;
    return claimed ? claimed->verdict : LeaseVerdict::HeldElsewhere;
  }
  // Asks the database until `sql` answers "t"; false after the deadline.
  bool wait_for_sql(const std::string& sql) {
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline) {
      auto answer = test_support::shared_postgres()->psql(name_, sql);
      if (answer && *answer == "t\n") return true;
      std::this_thread::sleep_for(20ms);  // pacing between looks, not a synchronisation
    }
    return false;
  }
  std::string uri_;
  std::string name_;
};

TEST_F(PgLeasesTest, AccountsSpreadAndAnInstanceAboveItsShareGivesUp) {
  PgLeases a = instance();
  for (const char* account : {"a1", "a2", "a3", "a4"}) EXPECT_EQ(claim(a, account, 4), LeaseVerdict::Take);
  EXPECT_EQ(a.held().size(), 4U) << "alone, an instance takes every account";

  PgLeases b = instance();
  EXPECT_EQ(claim(b, "a1", 4), LeaseVerdict::HeldElsewhere) << "b registers; a1 is a's";
  EXPECT_EQ(claim(a, "a1", 4), LeaseVerdict::Release) << "two live instances: a's share is 2 of 4";
  EXPECT_EQ(claim(a, "a2", 4), LeaseVerdict::Release);
  EXPECT_EQ(claim(a, "a3", 4), LeaseVerdict::Renew);
  EXPECT_EQ(claim(b, "a1", 4), LeaseVerdict::Take);
  EXPECT_EQ(claim(b, "a2", 4), LeaseVerdict::Take);
  EXPECT_EQ(claim(b, "a3", 4), LeaseVerdict::HeldElsewhere);
  EXPECT_EQ(a.held(), (std::set<std::string, std::less<>>{"a3", "a4"}));
  EXPECT_EQ(b.held(), (std::set<std::string, std::less<>>{"a1", "a2"}));
  EXPECT_EQ(a.live_instances(), 2);

  ASSERT_TRUE(a.heartbeat());
  EXPECT_EQ(a.held().size(), 2U) << "the heartbeat renews exactly the leases held";
}

TEST_F(PgLeasesTest, ADeadInstancesAccountsAreTakenAfterTheLeaseTime) {
  PgLeases b = instance(300ms);
  {
    PgLeases a = instance(300ms);
    EXPECT_EQ(claim(a, "d1", 2), LeaseVerdict::Take);
    EXPECT_EQ(claim(b, "d2", 2), LeaseVerdict::Take);
    EXPECT_EQ(claim(b, "d1", 2), LeaseVerdict::HeldElsewhere);
  }  // a dies without releasing: its session, and with it the advisory lock, ends
  ASSERT_TRUE(wait_for_sql("SELECT bool_and(expires_at < now()) FROM account_leases"));
  EXPECT_EQ(claim(b, "d1", 2), LeaseVerdict::Take) << "a's lease expired and its lock went with its session";
  EXPECT_EQ(b.held().size(), 2U);
}

TEST_F(PgLeasesTest, AStalledHolderWhoseLeaseRanOutKeepsTheAccountByItsLock) {
  PgLeases a = instance(200ms);
  PgLeases b = instance(200ms);
  EXPECT_EQ(claim(a, "s1", 1), LeaseVerdict::Take);
  // a stalls: no heartbeat, no claim; its lease runs out but its session lives.
  ASSERT_TRUE(wait_for_sql("SELECT bool_and(expires_at < now()) FROM account_leases"));
  ASSERT_TRUE(wait_for_sql("SELECT count(*) = 0 FROM instances WHERE heartbeat_at > now() - interval '200 ms'"));
  EXPECT_EQ(claim(b, "s1", 1), LeaseVerdict::HeldElsewhere) << "a may still be polling s1";
  EXPECT_EQ(claim(a, "s1", 1), LeaseVerdict::Take) << "a wakes up and carries on with its own lock";
}

TEST_F(PgLeasesTest, ACleanShutdownHandsTheAccountsOverAtOnce) {
  PgLeases a = instance();
  PgLeases b = instance();
  EXPECT_EQ(claim(a, "c1", 2), LeaseVerdict::Take);
  EXPECT_EQ(claim(a, "c2", 2), LeaseVerdict::Take);
  EXPECT_EQ(claim(b, "c1", 2), LeaseVerdict::HeldElsewhere);
  ASSERT_TRUE(a.release_all());
  EXPECT_TRUE(a.held().empty());
  EXPECT_EQ(claim(b, "c1", 2), LeaseVerdict::Take) << "no waiting for a 60 s lease";
  EXPECT_EQ(claim(b, "c2", 2), LeaseVerdict::Take) << "a's row is gone: b is the only live instance";
}

TEST_F(PgLeasesTest, AnUnreachableServerIsAStorageErrorNamingItWithoutPassword) {
  PgLeases lost("postgresql://u:hidden@/nodb?host=/nonexistent-dir&connect_timeout=2", store::this_instance(),
                1'000ms);
  auto claimed = lost.claim("x", 1);
  ASSERT_FALSE(claimed);
  EXPECT_EQ(claimed.error().kind, common::ErrorKind::Storage);
  EXPECT_EQ(claimed.error().message.find("hidden"), std::string::npos) << claimed.error().message;
}

}  // namespace
