// Loading valid configs: built-in defaults, `defaults:` merging, derived values
// (port, username) and path resolution.
#include <gtest/gtest.h>

#include <cctype>
#include <string>

#include "config/config.hpp"
#include "scoped_env.hpp"
#include "support/temp_dir.hpp"

namespace {

using std::chrono::seconds;

std::string all_errors(const config::LoadResult& result) {
  std::string text;
  for (const auto& error : result.errors) text += error.to_string() + "\n";
  return text;
}

config::Config load_ok(const std::string& yaml, const std::string& file = "/etc/popfetchd/popfetchd.yaml") {
  auto result = config::load_string(yaml, file);
  EXPECT_TRUE(result.ok()) << all_errors(result);
  EXPECT_TRUE(result.errors.empty());
  return result.ok() ? *result.config : config::Config{};
}

// Field by field, so that a failure names the field; then the whole value
// (Account's operator==), so that a field added later cannot differ unseen.
void expect_account(const config::Account& actual, const config::Account& expected) {
  EXPECT_EQ(actual.name, expected.name);
  EXPECT_EQ(actual.email, expected.email);
  EXPECT_EQ(actual.server, expected.server);
  EXPECT_EQ(actual.security, expected.security);
  EXPECT_EQ(actual.port, expected.port);
  EXPECT_EQ(actual.username, expected.username);
  EXPECT_EQ(actual.username_from_email, expected.username_from_email);
  EXPECT_EQ(actual.auth, expected.auth);
  EXPECT_EQ(actual.password.kind, expected.password.kind);
  EXPECT_EQ(actual.password.value, expected.password.value);
  EXPECT_EQ(actual.password.withheld_env, expected.password.withheld_env);
  EXPECT_EQ(actual.ca_file, expected.ca_file);
  EXPECT_EQ(actual.tls_fingerprints, expected.tls_fingerprints);
  EXPECT_EQ(actual.tls_min_version, expected.tls_min_version);
  EXPECT_EQ(actual.tls_client_cert, expected.tls_client_cert);
  EXPECT_EQ(actual.tls_client_key, expected.tls_client_key);
  EXPECT_EQ(actual.poll_interval, expected.poll_interval);
  EXPECT_EQ(actual.timeout, expected.timeout);
  EXPECT_EQ(actual.keep, expected.keep);
  EXPECT_EQ(actual.delete_after, expected.delete_after);
  EXPECT_EQ(actual.max_message_size, expected.max_message_size);
  EXPECT_EQ(actual.pipelining, expected.pipelining);
  EXPECT_EQ(actual.proxy.has_value(), expected.proxy.has_value());
  EXPECT_EQ(actual.deliver.size(), expected.deliver.size());
  EXPECT_EQ(actual.on_failure, expected.on_failure);
  EXPECT_EQ(actual.on_new_mail, expected.on_new_mail);
  EXPECT_EQ(actual.location.file, expected.location.file);
  EXPECT_EQ(actual.location.line, expected.location.line);
  EXPECT_EQ(actual.location.column, expected.location.column);
  EXPECT_TRUE(actual == expected) << "the accounts differ";
}

TEST(LoadValid, MinimalFileGetsEveryDefault) {
  const auto config = load_ok(R"(accounts:
  - name: a
    server: pop.example.com
    username: u
    password: p
)");
  EXPECT_EQ(config.path, "/etc/popfetchd/popfetchd.yaml");
  EXPECT_EQ(config.database, "/var/lib/popfetchd/popfetchd.db");
  EXPECT_EQ(config.health_socket, "/run/popfetchd/health.sock");
  EXPECT_EQ(config.log_level, common::LogLevel::Info);
  EXPECT_EQ(config.max_concurrent_polls, 64u);
  EXPECT_EQ(config.max_polls_per_server, 0u);  // no cap per server
  ASSERT_EQ(config.accounts.size(), 1u);
  // Every other field keeps config::Account's default.
  config::Account expected;
  expected.name = "a";
  expected.server = "pop.example.com";
  expected.username = "u";
  expected.password = {config::PasswordSource::Kind::Literal, "p", {}};
  expected.location = {"/etc/popfetchd/popfetchd.yaml", 2, 5};
  expect_account(config.accounts[0], expected);
  // The defaults as the documentation states them.
  EXPECT_EQ(expected.security, config::Security::Tls);
  EXPECT_EQ(expected.port, 995);
  EXPECT_EQ(expected.auth, config::AuthMethod::Plain);
  EXPECT_EQ(expected.poll_interval, seconds(300));
  EXPECT_EQ(expected.timeout, seconds(60));
  EXPECT_TRUE(expected.keep);
  EXPECT_EQ(expected.delete_after, std::nullopt);
  EXPECT_EQ(expected.max_message_size, 50'000'000u);
  EXPECT_EQ(expected.pipelining, config::Pipelining::Auto);
}

TEST(LoadValid, FullFileSetsEveryKey) {
  const auto config = load_ok(R"(database: /srv/mail/archive.db
health_socket: ""
log_level: debug
max_concurrent_polls: 3
max_polls_per_server: 8
defaults:
  timeout: 20s
accounts:
  - name: full_1.x-y
    email: someone@example.org
    server: "2001:db8::1"
    security: starttls
    port: 1110
    username: other
    auth: cram-md5
    password_command: echo hi
    ca_file: /etc/ssl/my-ca.pem
    poll_interval: 90
    timeout: 2m
    keep: true
    delete_after: 30d
    max_message_size: 1GiB
    pipelining: off
)");
  EXPECT_EQ(config.database, "/srv/mail/archive.db");
  EXPECT_EQ(config.health_socket, "");
  EXPECT_EQ(config.log_level, common::LogLevel::Debug);
  EXPECT_EQ(config.max_concurrent_polls, 3u);
  EXPECT_EQ(config.max_polls_per_server, 8u);
  ASSERT_EQ(config.accounts.size(), 1u);
  config::Account expected;
  expected.name = "full_1.x-y";
  expected.email = "someone@example.org";
  expected.server = "2001:db8::1";
  expected.security = config::Security::StartTls;
  expected.port = 1110;
  expected.username = "other";
  expected.auth = config::AuthMethod::CramMd5;
  expected.password = {config::PasswordSource::Kind::Command, "echo hi", {}};
  expected.ca_file = "/etc/ssl/my-ca.pem";
  expected.poll_interval = seconds(90);
  expected.timeout = seconds(120);
  expected.keep = true;
  expected.delete_after = seconds(30 * 86400);
  expected.max_message_size = 1024ull * 1024 * 1024;
  expected.pipelining = config::Pipelining::Off;
  expected.location = {"/etc/popfetchd/popfetchd.yaml", 9, 5};
  expect_account(config.accounts[0], expected);
}

TEST(LoadValid, DefaultsApplyAndAccountsOverride) {
  const auto config = load_ok(R"(defaults:
  server: pop.example.com
  security: starttls
  poll_interval: 10m
  keep: false
  password_env: POP_PASSWORD
  pipelining: on
accounts:
  - name: inherits
    username: a
  - name: overrides
    username: b
    server: other.example.com
    security: none
    poll_interval: 1h
    keep: true
    delete_after: 7d
    password_file: /run/secret/b
)");
  ASSERT_EQ(config.accounts.size(), 2u);
  const config::Account& a = config.accounts[0];
  EXPECT_EQ(a.server, "pop.example.com");
  EXPECT_EQ(a.security, config::Security::StartTls);
  EXPECT_EQ(a.poll_interval, seconds(600));
  EXPECT_FALSE(a.keep);
  EXPECT_EQ(a.password.kind, config::PasswordSource::Kind::Env);
  EXPECT_EQ(a.password.value, "POP_PASSWORD");
  EXPECT_EQ(a.pipelining, config::Pipelining::On);

  const config::Account& b = config.accounts[1];
  EXPECT_EQ(b.server, "other.example.com");
  EXPECT_EQ(b.security, config::Security::None);
  EXPECT_EQ(b.poll_interval, seconds(3600));
  EXPECT_TRUE(b.keep);
  EXPECT_EQ(b.delete_after, seconds(7 * 86400));
  // The account's password_file replaces the defaults' password_env: one setting, not two sources.
  EXPECT_EQ(b.password.kind, config::PasswordSource::Kind::File);
  EXPECT_EQ(b.password.value, "/run/secret/b");
  EXPECT_EQ(b.pipelining, config::Pipelining::On);
}

TEST(LoadValid, PortDefaultsFollowTheSecurityMode) {
  const auto config = load_ok(R"(defaults:
  server: pop.example.com
  username: u
  password: p
accounts:
  - {name: none, security: none}
  - {name: tls, security: tls}
  - {name: tls-if, security: tls-if-available}
  - {name: starttls, security: starttls}
  - {name: starttls-if, security: starttls-if-available}
  - {name: explicit, security: tls, port: 8995}
)");
  ASSERT_EQ(config.accounts.size(), 6u);
  EXPECT_EQ(config.find_account("none")->port, 110);
  EXPECT_EQ(config.find_account("tls")->port, 995);
  EXPECT_EQ(config.find_account("tls-if")->port, 995);
  EXPECT_EQ(config.find_account("starttls")->port, 110);
  EXPECT_EQ(config.find_account("starttls-if")->port, 110);
  EXPECT_EQ(config.find_account("explicit")->port, 8995);
}

TEST(LoadValid, PortFromDefaultsWinsOverTheSecurityDefault) {
  const auto config = load_ok(R"(defaults: {port: 2110, server: s, username: u, password: p}
accounts:
  - {name: a, security: starttls}
)");
  ASSERT_EQ(config.accounts.size(), 1u);
  EXPECT_EQ(config.accounts[0].port, 2110);
}

TEST(LoadValid, UsernameDefaultsToTheLocalPartOfEmail) {
  const auto config = load_ok(R"(defaults: {server: s, password: p}
accounts:
  - {name: derived, email: alice.smith@example.com}
  - {name: explicit, email: alice@example.com, username: ALICE}
  - {name: plus, email: "bob+pop@example.com"}
)");
  ASSERT_EQ(config.accounts.size(), 3u);
  EXPECT_EQ(config.find_account("derived")->username, "alice.smith");
  EXPECT_EQ(config.find_account("explicit")->username, "ALICE");
  EXPECT_TRUE(config.find_account("derived")->username_from_email);
  EXPECT_FALSE(config.find_account("explicit")->username_from_email);
  EXPECT_EQ(config.find_account("plus")->username, "bob+pop");
}

TEST(LoadValid, FindAccount) {
  const auto config = load_ok(R"(defaults: {server: s, username: u, password: p}
accounts: [{name: one}, {name: two}]
)");
  ASSERT_NE(config.find_account("two"), nullptr);
  EXPECT_EQ(config.find_account("two")->name, "two");
  EXPECT_EQ(config.find_account("three"), nullptr);
  EXPECT_EQ(config.find_account(""), nullptr);
}

TEST(LoadValid, ScalarsMayBeQuotedOrPlain) {
  const auto config = load_ok(R"(max_concurrent_polls: "4"
max_polls_per_server: "0"
accounts:
  - name: "123"
    server: 10.0.0.1
    port: "1995"
    username: 42
    password: 0x1F
    keep: "false"
    poll_interval: "300"
    timeout: 45
    max_message_size: 1000000
)");
  ASSERT_EQ(config.accounts.size(), 1u);
  const config::Account& a = config.accounts[0];
  EXPECT_EQ(config.max_concurrent_polls, 4u);
  EXPECT_EQ(config.max_polls_per_server, 0u);
  EXPECT_EQ(a.name, "123");
  EXPECT_EQ(a.port, 1995);
  EXPECT_EQ(a.username, "42");
  EXPECT_EQ(a.password.value, "0x1F");  // the text as written, not the number
  EXPECT_FALSE(a.keep);
  EXPECT_EQ(a.poll_interval, seconds(300));
  EXPECT_EQ(a.timeout, seconds(45));
  EXPECT_EQ(a.max_message_size, 1'000'000u);
}

TEST(LoadValid, RelativePathsResolveAgainstTheConfigDirectory) {
  const auto config = load_ok(R"(database: data/archive.db
health_socket: run/health.sock
accounts:
  - name: a
    server: s
    username: u
    password_file: secrets/a.pw
    ca_file: ../ca.pem
  - name: b
    server: s
    username: u
    password_file: /abs/b.pw
    ca_file: /abs/ca.pem
)",
                              "/etc/popfetchd/popfetchd.yaml");
  EXPECT_EQ(config.database, "/etc/popfetchd/data/archive.db");
  EXPECT_EQ(config.health_socket, "/etc/popfetchd/run/health.sock");
  ASSERT_EQ(config.accounts.size(), 2u);
  EXPECT_EQ(config.accounts[0].password.value, "/etc/popfetchd/secrets/a.pw");
  EXPECT_EQ(config.accounts[0].ca_file, "/etc/ca.pem");
  EXPECT_EQ(config.accounts[1].password.value, "/abs/b.pw");
  EXPECT_EQ(config.accounts[1].ca_file, "/abs/ca.pem");
}

TEST(LoadValid, RelativePasswordFilePrefersTheCredentialsDirectory) {
  test_support::TempDir credentials;
  const std::string in_credentials = credentials.write("alice-pop3", "secret\n");
  config_test::ScopedEnv env("CREDENTIALS_DIRECTORY", credentials.path().c_str());
  const auto config = load_ok(R"(defaults: {server: s, username: u}
accounts:
  - {name: from-credentials, password_file: alice-pop3}
  - {name: not-a-credential, password_file: bob-pop3}
)",
                              "/etc/popfetchd/popfetchd.yaml");
  ASSERT_EQ(config.accounts.size(), 2u);
  EXPECT_EQ(config.accounts[0].password.value, in_credentials);
  EXPECT_EQ(config.accounts[1].password.value, "/etc/popfetchd/bob-pop3");
}

TEST(LoadValid, LoadFileResolvesAgainstTheFilesDirectory) {
  test_support::TempDir dir;
  const std::string path = dir.write("popfetchd.yaml", R"(database: archive.db
accounts:
  - {name: a, server: s, username: u, password_file: a.pw}
)");
  const auto result = config::load_file(path);
  ASSERT_TRUE(result.ok()) << all_errors(result);
  EXPECT_EQ(result.config->path, path);
  EXPECT_EQ(result.config->database, (dir.path() / "archive.db").string());
  EXPECT_EQ(result.config->accounts[0].password.value, (dir.path() / "a.pw").string());
  EXPECT_EQ(result.config->accounts[0].location.file, path);
}

TEST(LoadValid, EmptyEmailAndCaFileMeanNone) {
  const auto config = load_ok(R"(accounts:
  - {name: a, server: s, username: u, password: p, email: "", ca_file: ""}
)");
  ASSERT_EQ(config.accounts.size(), 1u);
  EXPECT_EQ(config.accounts[0].email, "");
  EXPECT_EQ(config.accounts[0].ca_file, "");
}

// One table per enum: every name the loader accepts is the name to_string prints.
TEST(Names, WhatIsParsedIsWhatIsPrinted) {
  for (const char* security : {"none", "tls", "tls-if-available", "starttls", "starttls-if-available"}) {
    for (const char* auth : {"plain", "cram-md5", "login", "scram-sha-1", "scram-sha-256", "xoauth2", "oauthbearer", "auto"}) {
      for (const char* pipelining : {"auto", "on", "off"}) {
        const config::LoadResult loaded = config::load_string(
            std::string("accounts:\n  - name: a\n    server: s\n    username: u\n    password: p\n") +
                "    port: 1\n    security: " + security + "\n    auth: " + auth +
                "\n    pipelining: " + pipelining + "\n",
            "t.yaml");
        ASSERT_TRUE(loaded.ok()) << security << " " << auth << " " << pipelining;
        const config::Account& account = loaded.config->accounts[0];
        EXPECT_EQ(config::to_string(account.security), security);
        EXPECT_EQ(config::to_string(account.auth), auth);
        EXPECT_EQ(config::to_string(account.pipelining), pipelining);
      }
    }
  }
}

TEST(Names, EnumsAndPredicates) {
  EXPECT_EQ(config::to_string(config::Security::None), "none");
  EXPECT_EQ(config::to_string(config::Security::TlsIfAvailable), "tls-if-available");
  EXPECT_EQ(config::to_string(config::Security::StartTlsIfAvailable), "starttls-if-available");
  EXPECT_EQ(config::to_string(config::AuthMethod::CramMd5), "cram-md5");
  EXPECT_EQ(config::to_string(config::AuthMethod::XOAuth2), "xoauth2");
  EXPECT_EQ(config::to_string(config::AuthMethod::OAuthBearer), "oauthbearer");
  EXPECT_EQ(config::to_string(config::Pipelining::Off), "off");
  EXPECT_EQ(config::to_string(config::PasswordSource::Kind::Command), "password_command");
  EXPECT_TRUE(config::verifies_certificate(config::Security::Tls));
  EXPECT_TRUE(config::verifies_certificate(config::Security::StartTls));
  EXPECT_FALSE(config::verifies_certificate(config::Security::TlsIfAvailable));
  EXPECT_FALSE(config::verifies_certificate(config::Security::StartTlsIfAvailable));
  EXPECT_FALSE(config::verifies_certificate(config::Security::None));
  EXPECT_TRUE(config::implicit_tls(config::Security::TlsIfAvailable));
  EXPECT_FALSE(config::implicit_tls(config::Security::StartTls));
}

TEST(Names, DiagnosticToString) {
  config::Diagnostic positioned;
  positioned.location = config::Location{"a.yaml", 3, 7};
  positioned.message = "bad";
  EXPECT_EQ(positioned.to_string(), "a.yaml:3:7: bad");
  config::Diagnostic whole_file;
  whole_file.location = config::Location{"a.yaml", 0, 0};
  whole_file.message = "cannot read";
  EXPECT_EQ(whole_file.to_string(), "a.yaml: cannot read");
}

}  // namespace

namespace {

TEST(LoadValid, TlsFingerprintOneOrAList) {
  const std::string hex = "5e1f2a930c44b78d61e219a07f3cd5884b06f912ce73a15d902be46738c10af6";
  std::string pairs;
  for (std::size_t i = 0; i < hex.size(); i += 2) pairs += (i ? ":" : "") + hex.substr(i, 2);
  const std::string base = "accounts:\n  - name: a\n    server: s\n    username: u\n    password: p\n";
  const config::LoadResult one =
      config::load_string(base + "    tls_fingerprint: sha256:" + hex + "\n", "t.yaml");
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one.config->accounts[0].tls_fingerprints.size(), 1u);
  EXPECT_EQ(one.config->accounts[0].tls_fingerprints[0][0], 0x5e);
  EXPECT_EQ(one.config->accounts[0].tls_fingerprints[0][31], 0xf6);

  std::string upper = pairs;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const config::LoadResult list = config::load_string(
      base + "    tls_fingerprint: [\"SHA256:" + upper + "\", \"sha256:" + pairs + "\"]\n", "t.yaml");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list.config->accounts[0].tls_fingerprints.size(), 2u);
  EXPECT_EQ(list.config->accounts[0].tls_fingerprints[0], one.config->accounts[0].tls_fingerprints[0]);
  EXPECT_EQ(list.config->accounts[0].tls_fingerprints[1], one.config->accounts[0].tls_fingerprints[0]);

  // From defaults too, like every account key.
  const config::LoadResult defaults =
      config::load_string("defaults:\n  tls_fingerprint: sha256:" + hex + "\n" + base, "t.yaml");
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults.config->accounts[0].tls_fingerprints.size(), 1u);
}

}  // namespace
