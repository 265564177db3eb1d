// tls_client_cert, tls_client_key and auth: external: path resolution, the
// checks across keys, and check-config's warnings about the files.
#include <gtest/gtest.h>

#include <string>

#include "config/config.hpp"
#include "support/temp_dir.hpp"

namespace {

config::LoadResult load(const std::string& yaml, const std::string& file = "/etc/popfetchd/t.yaml") {
  config::Environment env;
  env.get = [](const char* name) -> std::optional<std::string> {
    if (std::string(name) == "HOME") return std::string("/home/alice");
    return std::nullopt;
  };
  return config::load_string(yaml, file, env);
}

std::string messages(const config::LoadResult& result) {
  std::string text;
  for (const auto& error : result.errors) text += error.to_string() + "\n";
  return text;
}

const std::string kHead = "accounts:\n  - name: a\n    server: s\n    username: u\n";

TEST(ClientCertConfig, PathsResolveLikeCaFile) {
  const auto result = load(kHead +
                           "    password: p\n"
                           "    tls_client_cert: certs/me.pem\n"
                           "    tls_client_key: ~/keys/me.key\n");
  ASSERT_TRUE(result.ok()) << messages(result);
  const auto& account = result.config->accounts[0];
  EXPECT_EQ(account.tls_client_cert, "/etc/popfetchd/certs/me.pem");
  EXPECT_EQ(account.tls_client_key, "/home/alice/keys/me.key");
  EXPECT_EQ(account.auth, config::AuthMethod::Plain);  // a certificate goes with any auth
}

TEST(ClientCertConfig, DefaultsApply) {
  const auto result = load(
      "defaults:\n  tls_client_cert: /c.pem\n  tls_client_key: /k.pem\n"
      "accounts:\n  - {name: a, server: s, username: u, auth: external}\n");
  ASSERT_TRUE(result.ok()) << messages(result);
  EXPECT_EQ(result.config->accounts[0].tls_client_cert, "/c.pem");
  EXPECT_EQ(result.config->accounts[0].tls_client_key, "/k.pem");
}

TEST(ClientCertConfig, BothOrNeither) {
  const auto only_cert = load(kHead + "    password: p\n    tls_client_cert: /c.pem\n");
  ASSERT_EQ(only_cert.errors.size(), 1u) << messages(only_cert);
  EXPECT_EQ(only_cert.errors[0].location.line, 6);
  EXPECT_NE(messages(only_cert).find("tls_client_cert needs tls_client_key"), std::string::npos);
  const auto only_key = load(kHead + "    password: p\n    tls_client_key: /k.pem\n");
  ASSERT_EQ(only_key.errors.size(), 1u) << messages(only_key);
  EXPECT_NE(messages(only_key).find("tls_client_key needs tls_client_cert"), std::string::npos);
  EXPECT_FALSE(load(kHead + "    password: p\n    tls_client_key: \"\"\n").ok());
}

TEST(ClientCertConfig, ExternalNeedsNoPasswordButACertificateAndTls) {
  const auto ok = load(kHead + "    auth: external\n    tls_client_cert: /c.pem\n    tls_client_key: /k.pem\n");
  ASSERT_TRUE(ok.ok()) << messages(ok);
  EXPECT_EQ(ok.config->accounts[0].auth, config::AuthMethod::External);
  EXPECT_EQ(config::to_string(ok.config->accounts[0].auth), "external");
  EXPECT_EQ(ok.config->accounts[0].password.kind, config::PasswordSource::Kind::None);
  const auto password = config::resolve_password(ok.config->accounts[0].password);
  ASSERT_TRUE(password.ok());
  EXPECT_TRUE(password->empty());

  const auto no_cert = load(kHead + "    auth: external\n");
  ASSERT_EQ(no_cert.errors.size(), 1u) << messages(no_cert);
  EXPECT_EQ(no_cert.errors[0].location.line, 5);
  EXPECT_NE(messages(no_cert).find("auth: external logs in with a TLS client certificate"), std::string::npos);

  const auto no_tls = load(kHead +
                           "    auth: external\n    security: none\n"
                           "    tls_client_cert: /c.pem\n    tls_client_key: /k.pem\n");
  ASSERT_EQ(no_tls.errors.size(), 1u) << messages(no_tls);
  EXPECT_NE(messages(no_tls).find("auth: external needs TLS"), std::string::npos);
}

TEST(ClientCertConfig, OtherMethodsStillNeedAPassword) {
  const auto result = load(kHead + "    tls_client_cert: /c.pem\n    tls_client_key: /k.pem\n");
  EXPECT_NE(messages(result).find("has no password source"), std::string::npos) << messages(result);
}

bool warns(const std::vector<config::Diagnostic>& warnings, const std::string& words) {
  for (const auto& warning : warnings) {
    if (warning.message.find(words) != std::string::npos) return true;
  }
  return false;
}

TEST(ClientCertConfig, CheckConfigWarnsAboutAKeyOthersCanReadAndUnreadableFiles) {
  test_support::TempDir dir;
  const std::string cert = dir.write("me.pem", "cert", 0644);
  const std::string open_key = dir.write("open.key", "key", 0640);
  const std::string private_key = dir.write("private.key", "key", 0600);
  auto warnings_for = [&](const std::string& cert_file, const std::string& key_file) {
    const auto result = load(kHead + "    auth: external\n    tls_client_cert: " + cert_file +
                             "\n    tls_client_key: " + key_file + "\n");
    EXPECT_TRUE(result.ok()) << messages(result);
    return result.ok() ? config::footgun_warnings(*result.config) : std::vector<config::Diagnostic>{};
  };
  EXPECT_TRUE(warnings_for(cert, private_key).empty());
  EXPECT_TRUE(warns(warnings_for(cert, open_key), "is readable by group or others"));
  const auto missing = warnings_for((dir.path() / "missing.pem").string(), private_key);
  EXPECT_TRUE(warns(missing, "cannot read tls_client_cert"));
  EXPECT_FALSE(warns(missing, "cannot read tls_client_key"));
}

}  // namespace
