// The shipped etc/popfetchd.example.yaml loads without errors, has the accounts
// it shows, and documents every key (so it cannot rot as the loader changes).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "config/config.hpp"
#include "config/key_names.hpp"

namespace {

const std::string kExample = POPFETCHD_EXAMPLE_CONFIG;

TEST(ExampleConfig, LoadsWithoutErrors) {
  const auto result = config::load_file(kExample);
  ASSERT_TRUE(result.ok()) << (result.errors.empty() ? "" : result.errors[0].to_string());
  const config::Config& config = *result.config;
  EXPECT_EQ(config.database, "/var/lib/popfetchd/popfetchd.db");
  EXPECT_EQ(config.health_socket, "/run/popfetchd/health.sock");
  EXPECT_EQ(config.log_level, common::LogLevel::Info);
  EXPECT_EQ(config.max_concurrent_polls, 64u);
  EXPECT_EQ(config.max_polls_per_server, 0u);
  ASSERT_EQ(config.accounts.size(), 3u);

  const config::Account* alice = config.find_account("alice");
  ASSERT_NE(alice, nullptr);
  EXPECT_EQ(alice->username, "alice");  // from the email
  EXPECT_EQ(alice->security, config::Security::Tls);
  EXPECT_EQ(alice->port, 995);
  EXPECT_EQ(alice->password.kind, config::PasswordSource::Kind::File);
  EXPECT_TRUE(alice->keep);
  EXPECT_EQ(alice->delete_after, std::chrono::seconds(90 * 86400));

  const config::Account* bob = config.find_account("work.bob");
  ASSERT_NE(bob, nullptr);
  EXPECT_EQ(bob->security, config::Security::StartTls);
  EXPECT_EQ(bob->port, 110);
  EXPECT_EQ(bob->auth, config::AuthMethod::CramMd5);
  EXPECT_EQ(bob->password.kind, config::PasswordSource::Kind::Env);
  EXPECT_EQ(bob->poll_interval, std::chrono::minutes(15));

  const config::Account* homelab = config.find_account("homelab");
  ASSERT_NE(homelab, nullptr);
  EXPECT_EQ(homelab->security, config::Security::Tls);
  EXPECT_EQ(homelab->tls_fingerprints.size(), 1u);
  EXPECT_EQ(homelab->password.kind, config::PasswordSource::Kind::Command);
  EXPECT_FALSE(homelab->keep);
  EXPECT_EQ(homelab->max_message_size, 200ull * 1024 * 1024);
  EXPECT_EQ(homelab->pipelining, config::Pipelining::On);
}

TEST(ExampleConfig, DocumentsEveryKey) {
  std::ifstream in(kExample);
  std::stringstream text;
  text << in.rdbuf();
  const std::string content = text.str();
  for (std::string_view key : config::detail::kTopLevelKeys) {
    EXPECT_NE(content.find(std::string(key) + ":"), std::string::npos) << key;
  }
  for (std::string_view key : config::detail::kAccountKeys) {
    EXPECT_NE(content.find(std::string(key) + ":"), std::string::npos) << key;
  }
}

TEST(ExampleConfig, NoFootgunWarning) {
  const auto result = config::load_file(kExample);
  ASSERT_TRUE(result.ok());
  const auto warnings = config::footgun_warnings(*result.config);
  // The homelab's self-signed certificate is pinned (tls_fingerprint), so
  // the example has no weak mode left to warn about.
  EXPECT_TRUE(warnings.empty()) << (warnings.empty() ? "" : warnings[0].message);
  EXPECT_EQ(result.config->accounts.back().tls_fingerprints.size(), 1u);
}

}  // namespace
