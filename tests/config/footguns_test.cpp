// footgun_warnings: the risky-but-valid settings of DESIGN.md §2.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/config.hpp"
#include "support/temp_dir.hpp"

namespace {

config::Config load(const std::string& yaml, const std::string& file = "t.yaml") {
  const auto result = config::load_string(yaml, file);
  EXPECT_TRUE(result.ok()) << (result.errors.empty() ? "" : result.errors[0].to_string());
  return result.ok() ? *result.config : config::Config{};
}

std::string account(const std::string& settings) {
  return "accounts:\n  - {name: a, server: s, username: u, password_env: P, " + settings + "}\n";
}

std::vector<std::string> warnings_for(const std::string& settings) {
  std::vector<std::string> messages;
  for (const auto& warning : config::footgun_warnings(load(account(settings))))
    messages.push_back(warning.message);
  return messages;
}

bool any_contains(const std::vector<std::string>& messages, const std::string& part) {
  for (const auto& message : messages) {
    if (message.find(part) != std::string::npos) return true;
  }
  return false;
}

TEST(Footguns, SafeSettingsWarnNothing) {
  EXPECT_TRUE(warnings_for("security: tls").empty());
  EXPECT_TRUE(warnings_for("security: starttls").empty());
  EXPECT_TRUE(warnings_for("security: tls, port: 995, keep: true").empty());  // no delete_after is fine
  EXPECT_TRUE(warnings_for("security: starttls, port: 110, auth: cram-md5").empty());
}

TEST(Footguns, BearerTokenWithoutTlsCannotLogIn) {
  for (const char* auth : {"xoauth2", "oauthbearer"}) {
    EXPECT_TRUE(any_contains(warnings_for(std::string("security: none, auth: ") + auth),
                             "an access token is never sent without TLS"))
        << auth;
    EXPECT_TRUE(warnings_for(std::string("security: tls, auth: ") + auth).empty()) << auth;
  }
}

std::vector<std::string> warnings_for_yaml(const std::string& yaml) {
  std::vector<std::string> messages;
  for (const auto& warning : config::footgun_warnings(load(yaml))) messages.push_back(warning.message);
  return messages;
}

TEST(Footguns, BigProvidersNeedTheWholeAddress) {
  for (const char* server : {"pop.gmail.com", "outlook.office365.com", "POP-MAIL.OUTLOOK.COM", "pop.gmx.net",
                             "pop.mail.yahoo.com"}) {
    const std::string yaml = std::string("accounts:\n  - {name: a, server: ") + server +
                             ", email: alice@example.com, password_env: P}\n";
    EXPECT_TRUE(any_contains(warnings_for_yaml(yaml),
                             "username 'alice' was taken from alice@example.com, but " + std::string(server) +
                                 " needs the whole address to log in: set username: alice@example.com"))
        << server;
  }
  // A username given, another host, or a host that only ends like one: no warning.
  EXPECT_TRUE(warnings_for_yaml("accounts:\n  - {name: a, server: pop.gmail.com, email: alice@gmail.com, "
                                "username: alice@gmail.com, password_env: P}\n")
                  .empty());
  EXPECT_TRUE(warnings_for_yaml("accounts:\n  - {name: a, server: mail.example.org, email: alice@example.org, "
                                "password_env: P}\n")
                  .empty());
  EXPECT_TRUE(warnings_for_yaml("accounts:\n  - {name: a, server: notgmail.com, email: a@b.c, password_env: P}\n")
                  .empty());
}

TEST(Footguns, PlainModesOnPort995) {
  for (const char* mode : {"starttls", "starttls-if-available", "none"}) {
    const auto warnings = warnings_for(std::string("security: ") + mode + ", port: 995");
    EXPECT_TRUE(any_contains(warnings, std::string("security ") + mode + " on port 995")) << mode;
  }
}

TEST(Footguns, TlsModesOnPort110) {
  for (const char* mode : {"tls", "tls-if-available"}) {
    const auto warnings = warnings_for(std::string("security: ") + mode + ", port: 110");
    EXPECT_TRUE(any_contains(warnings, std::string("security ") + mode + " on port 110")) << mode;
  }
}

TEST(Footguns, EachWeakModeSaysItsRisk) {
  EXPECT_TRUE(any_contains(warnings_for("security: none, auth: cram-md5"), "nothing is encrypted"));
  EXPECT_TRUE(any_contains(warnings_for("security: tls-if-available"), "certificate is not checked"));
  EXPECT_TRUE(any_contains(warnings_for("security: starttls-if-available"), "strip STLS"));
  EXPECT_EQ(warnings_for("security: tls-if-available").size(), 1u);
}

TEST(Footguns, PlainAuthOverNoSecurity) {
  const auto warnings = warnings_for("security: none");
  EXPECT_TRUE(any_contains(warnings, "password travels in clear text"));
  EXPECT_FALSE(
      any_contains(warnings_for("security: none, auth: cram-md5"), "password travels in clear text"));
}

TEST(Footguns, WarningsPointAtTheAccount) {
  const auto config = load(
      "log_level: info\naccounts:\n  - name: weak\n    server: s\n    username: u\n"
      "    password_env: P\n    security: tls-if-available\n");
  const auto warnings = config::footgun_warnings(config);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].location.file, "t.yaml");
  EXPECT_EQ(warnings[0].location.line, 3);
  EXPECT_EQ(warnings[0].location.column, 5);
  EXPECT_EQ(warnings[0].to_string().rfind("t.yaml:3:5: account 'weak': security tls-if-available", 0), 0u)
      << warnings[0].to_string();
}

TEST(Footguns, LiteralPasswordInAFileOthersCanRead) {
  test_support::TempDir dir;
  const std::string literal = "accounts:\n  - {name: a, server: s, username: u, password: p}\n";
  const std::string from_env = "accounts:\n  - {name: a, server: s, username: u, password_env: P}\n";

  for (mode_t mode : {0644, 0640, 0604}) {
    const std::string path = dir.write("open.yaml", literal, mode);
    const auto result = config::load_file(path);
    ASSERT_TRUE(result.ok());
    const auto warnings = config::footgun_warnings(*result.config);
    ASSERT_EQ(warnings.size(), 1u) << std::oct << mode;
    EXPECT_NE(warnings[0].message.find("readable by group or others"), std::string::npos);
    EXPECT_EQ(warnings[0].message.find(": p"), std::string::npos);  // the password itself is not quoted
  }

  const auto private_file = config::load_file(dir.write("private.yaml", literal, 0600));
  ASSERT_TRUE(private_file.ok());
  EXPECT_TRUE(config::footgun_warnings(*private_file.config).empty());

  const auto no_literal = config::load_file(dir.write("env.yaml", from_env, 0644));
  ASSERT_TRUE(no_literal.ok());
  EXPECT_TRUE(config::footgun_warnings(*no_literal.config).empty());
}

}  // namespace
