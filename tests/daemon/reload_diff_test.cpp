// diff_accounts()/diff_config(): old config + new config -> what a SIGHUP changes.

#include "daemon/reload_diff.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

namespace popfetchd::daemon {
namespace {

using Names = std::vector<std::string>;

config::Account account(const std::string& name) {
  config::Account a;
  a.name = name;
  a.server = name + ".example";
  a.username = name;
  a.password.kind = config::PasswordSource::Kind::File;
  a.password.value = "/run/credentials/" + name;
  return a;
}

TEST(ReloadDiff, AddedRemovedChangedUnchanged) {
  const std::vector<config::Account> before = {account("a"), account("b"), account("c")};
  std::vector<config::Account> after = {account("d"), account("c"), account("a")};
  after[1].poll_interval = std::chrono::seconds(60);  // c changed
  const AccountsDiff diff = diff_accounts(before, after);
  EXPECT_EQ(diff.added, Names{"d"});
  EXPECT_EQ(diff.removed, Names{"b"});
  EXPECT_EQ(diff.changed, Names{"c"});
  EXPECT_EQ(diff.unchanged, Names{"a"});
}

TEST(ReloadDiff, EverySettingCountsButTheLocation) {
  using Change = std::function<void(config::Account&)>;
  const std::vector<std::pair<std::string, Change>> changes = {
      {"email", [](config::Account& a) { a.email = "x@example.com"; }},
      {"server", [](config::Account& a) { a.server = "other"; }},
      {"security", [](config::Account& a) { a.security = config::Security::StartTls; }},
      {"port", [](config::Account& a) { a.port = 110; }},
      {"username", [](config::Account& a) { a.username = "other"; }},
      {"auth", [](config::Account& a) { a.auth = config::AuthMethod::CramMd5; }},
      {"password kind", [](config::Account& a) { a.password.kind = config::PasswordSource::Kind::Env; }},
      {"password value", [](config::Account& a) { a.password.value = "/elsewhere"; }},
      {"ca_file", [](config::Account& a) { a.ca_file = "/ca.pem"; }},
      {"poll_interval", [](config::Account& a) { a.poll_interval = std::chrono::seconds(61); }},
      {"timeout", [](config::Account& a) { a.timeout = std::chrono::seconds(5); }},
      {"keep", [](config::Account& a) { a.keep = false; }},
      {"delete_after", [](config::Account& a) { a.delete_after = std::chrono::seconds(86400); }},
      {"max_message_size", [](config::Account& a) { a.max_message_size = 1; }},
      {"pipelining", [](config::Account& a) { a.pipelining = config::Pipelining::Off; }},
  };
  for (const auto& [what, change] : changes) {
    config::Account changed = account("a");
    change(changed);
    EXPECT_FALSE(same_settings(account("a"), changed)) << what;
    EXPECT_EQ(diff_accounts({account("a")}, {changed}).changed, Names{"a"}) << what;
  }
  config::Account moved = account("a");
  moved.location = config::Location{"other.yaml", 40, 3};
  EXPECT_TRUE(same_settings(account("a"), moved));
  EXPECT_EQ(diff_accounts({account("a")}, {moved}).unchanged, Names{"a"});
}

TEST(ReloadDiff, RenameIsRemoveAndAdd) {
  config::Account renamed = account("a");
  renamed.name = "a2";
  const AccountsDiff diff = diff_accounts({account("a")}, {renamed});
  EXPECT_EQ(diff.added, Names{"a2"});
  EXPECT_EQ(diff.removed, Names{"a"});
  EXPECT_TRUE(diff.changed.empty());
}

TEST(ReloadDiff, GlobalSettings) {
  config::Config before;
  before.accounts = {account("a")};
  config::Config after = before;
  EXPECT_TRUE(diff_config(before, after).empty());

  after.database = "/elsewhere.db";
  after.health_socket = "";
  after.metrics_listen = config::ListenAddress{"127.0.0.1", 9423};
  after.log_level = common::LogLevel::Debug;
  after.max_concurrent_polls = 3;
  after.max_polls_per_server = 4;
  const ConfigDiff diff = diff_config(before, after);
  EXPECT_FALSE(diff.empty());
  EXPECT_TRUE(diff.database_changed);
  EXPECT_TRUE(diff.health_socket_changed);
  EXPECT_TRUE(diff.metrics_listen_changed);
  EXPECT_TRUE(diff.log_level_changed);
  EXPECT_TRUE(diff.max_concurrent_polls_changed);
  EXPECT_TRUE(diff.max_polls_per_server_changed);
  EXPECT_EQ(diff.accounts.unchanged, Names{"a"});

  // Alone, it is a change too (a reload with nothing else new applies it).
  after = before;
  after.max_polls_per_server = 2;
  EXPECT_FALSE(diff_config(before, after).empty());
  EXPECT_TRUE(diff_config(before, after).max_polls_per_server_changed);
  EXPECT_FALSE(diff_config(before, after).max_concurrent_polls_changed);

  after = before;
  after.accounts.clear();
  EXPECT_EQ(diff_config(before, after).accounts.removed, Names{"a"});
  EXPECT_FALSE(diff_config(before, after).empty());
}

}  // namespace
}  // namespace popfetchd::daemon
