// status_line(): the STATUS= summary systemd shows.

#include "health/status_line.hpp"

#include <gtest/gtest.h>

namespace health {
namespace {

AccountHealth account(const char* name, std::uint32_t failures, std::int64_t last_success,
                      std::uint64_t stored) {
  AccountHealth health;
  health.name = name;
  health.consecutive_failures = failures;
  health.last_success_at = last_success;
  health.messages_stored = stored;
  return health;
}

TEST(StatusLine, CountsOkFailingAndStored) {
  HealthSnapshot snapshot;
  snapshot.accounts = {account("a", 0, 100, 1000), account("b", 0, 100, 200), account("c", 2, 50, 34)};
  EXPECT_EQ(status_line(snapshot), "3 accounts, 2 ok, 1 failing; 1234 messages stored");
}

TEST(StatusLine, AccountsNotPolledYetAreWaiting) {
  HealthSnapshot snapshot;
  snapshot.accounts = {account("a", 0, 0, 0), account("b", 1, 0, 1)};
  EXPECT_EQ(status_line(snapshot),
            "2 accounts, 0 ok, 1 failing, 1 waiting for the first poll; 1 message stored");
}

TEST(StatusLine, SingularAndEmpty) {
  HealthSnapshot snapshot;
  EXPECT_EQ(status_line(snapshot), "0 accounts, 0 ok, 0 failing; 0 messages stored");
  snapshot.accounts = {account("a", 0, 5, 2)};
  EXPECT_EQ(status_line(snapshot), "1 account, 1 ok, 0 failing; 2 messages stored");
}

TEST(StatusLine, SaysWhenAReloadWasRejected) {
  HealthSnapshot s;
  s.config_last_reload_successful = false;
  EXPECT_EQ(status_line(s),
            "0 accounts, 0 ok, 0 failing; 0 messages stored; config reload rejected, running the previous one");
}

}  // namespace
}  // namespace health
