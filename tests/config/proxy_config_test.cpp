// The `proxy:` key: the URL forms accepted, the defaults/override rules, and
// every bad URL refused at its line and column without echoing the password.
#include <gtest/gtest.h>

#include <string>

#include "config/config.hpp"

namespace {

// A valid account on lines 1-5; tests append line 6 onwards (values at column 12).
const std::string kValid = "accounts:\n  - name: a\n    server: s\n    username: u\n    password: p\n";

config::LoadResult load(const std::string& yaml) { return config::load_string(yaml, "t.yaml"); }

TEST(ProxyConfig, UrlFormsParse) {
  auto plain = config::parse_proxy_url("socks5://127.0.0.1:9050");
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_EQ(plain->host, "127.0.0.1");
  EXPECT_EQ(plain->port, 9050);
  EXPECT_TRUE(plain->username.empty());
  EXPECT_TRUE(plain->password->empty());

  auto with_user = config::parse_proxy_url("socks5h://al%40ice:p%3Ass@proxy.example:1080/");
  ASSERT_TRUE(with_user) << with_user.error().message;
  EXPECT_EQ(with_user->host, "proxy.example");
  EXPECT_EQ(with_user->username, "al@ice");
  EXPECT_EQ(with_user->password->reveal(), "p:ss");

  auto v6 = config::parse_proxy_url("socks5://u@[::1]:1080");
  ASSERT_TRUE(v6) << v6.error().message;
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->username, "u");
  EXPECT_TRUE(v6->password->empty());
}

TEST(ProxyConfig, BadUrlsAreRefusedWithoutThePassword) {
  const char* bad[] = {
      "http://proxy:3128",    "socks4://proxy:1080", "socks5://proxy",           "socks5://proxy:0",
      "socks5://proxy:70000", "socks5://proxy:80x",  "socks5://:1080",           "socks5://[::1:1080",
      "socks5://[nope]:1080", "socks5://::1:1080",   "socks5://u:hunter2%g@p:1", "socks5://:hunter2@p:1",
      "socks5://pro xy:1080",
  };
  for (const char* url : bad) {
    auto result = config::parse_proxy_url(url);
    EXPECT_FALSE(result) << url;
    if (!result) {
      EXPECT_EQ(result.error().message.find("hunter2"), std::string::npos) << url;
    }
  }
  const std::string long_password = "socks5://u:" + std::string(256, 'x') + "@p:1";
  EXPECT_FALSE(config::parse_proxy_url(long_password));
  EXPECT_TRUE(config::parse_proxy_url("socks5://u:" + std::string(255, 'x') + "@p:1"));
}

TEST(ProxyConfig, ErrorsCarryLineAndColumn) {
  const auto result = load(kValid + "    proxy: \"socks5://u:hunter2@proxy\"\n");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].location.line, 6);
  EXPECT_EQ(result.errors[0].location.column, 12);
  EXPECT_NE(result.errors[0].message.find("proxy: the proxy needs a port"), std::string::npos)
      << result.errors[0].message;
  EXPECT_EQ(result.errors[0].to_string().find("hunter2"), std::string::npos);
}

TEST(ProxyConfig, ServerNameOver255BytesIsRefusedWithAProxyOnly) {
  const std::string long_server = std::string(250, 'a') + ".example";
  const std::string yaml =
      "accounts:\n  - name: a\n    server: " + long_server + "\n    username: u\n    password: p\n";
  EXPECT_TRUE(load(yaml).ok());
  const auto result = load(yaml + "    proxy: socks5://127.0.0.1:1080\n");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].location.line, 6);
  EXPECT_NE(result.errors[0].message.find("at most 255 bytes"), std::string::npos)
      << result.errors[0].message;
}

TEST(ProxyConfig, DefaultsApplyAndAnEmptyValueTurnsItOff) {
  const std::string yaml =
      "defaults:\n  proxy: socks5://u:pw@127.0.0.1:1080\n"
      "accounts:\n"
      "  - {name: a, server: s, username: u, password: p}\n"
      "  - {name: b, server: s, username: u, password: p, proxy: \"\"}\n";
  const auto result = load(yaml);
  ASSERT_TRUE(result.ok()) << result.errors[0].to_string();
  const auto& accounts = result.config->accounts;
  ASSERT_TRUE(accounts[0].proxy.has_value());
  EXPECT_EQ(accounts[0].proxy->port, 1080);
  EXPECT_EQ(accounts[0].proxy->password->reveal(), "pw");
  EXPECT_FALSE(accounts[1].proxy.has_value());
}

TEST(ProxyConfig, AccountsCompareByThePasswordsContent) {
  const auto one = load(kValid + "    proxy: socks5://u:pw@h:1\n");
  const auto same = load(kValid + "    proxy: socks5://u:pw@h:1\n");
  const auto other = load(kValid + "    proxy: socks5://u:pw2@h:1\n");
  ASSERT_TRUE(one.ok() && same.ok() && other.ok());
  EXPECT_EQ(one.config->accounts[0], same.config->accounts[0]);
  EXPECT_NE(one.config->accounts[0], other.config->accounts[0]);
}

}  // namespace
