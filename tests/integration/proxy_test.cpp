// proxy: socks5://... against a real SOCKS5 server (microsocks) in front of
// the test Dovecot: fetches byte-exact through the tunnel with and without
// proxy authentication, in TLS (the certificate checked against the POP3
// server's name, which only the proxy resolves) and STARTTLS; a wrong proxy
// password and an unresolvable server name fail in words, and no password
// reaches the log.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "integration/mailbox.hpp"
#include "integration/poll_harness.hpp"
#include "integration/server_suite.hpp"
#include "support/socks5_proxy.hpp"

namespace {

using integration::dump;

using config::AuthMethod;
using config::Security;
using ::testing::HasSubstr;
using ::testing::Not;

class ThroughSocks5 : public integration::DovecotSuite<ThroughSocks5> {
 public:
  static std::string skip_reason() {
    return test_support::Socks5Proxy::program().empty() ? "microsocks is not installed" : "";
  }
  // The proxy resolves "localhost" and connects to its first address only
  // (microsocks): ::1 where /etc/hosts names it (Debian's default hosts file).
  static test_support::DovecotOptions options() {
    test_support::DovecotOptions options;
    integration::listen_on_both_loopbacks(options);
    return options;
  }

 protected:
  // "localhost" on purpose: the proxy resolves it, and the certificate names it.
  static config::Account account_for(const std::string& user, Security security, std::uint16_t proxy_port,
                                     const std::string& proxy_user = {},
                                     const std::string& proxy_password = {}) {
    const std::uint16_t port = security == Security::Tls ? server().pop3s_port() : server().pop3_port();
    config::Account account = integration::make_account(user, "localhost", port, security, AuthMethod::Plain);
    account.ca_file = server().ca_file().string();
    config::Proxy proxy;
    proxy.host = "127.0.0.1";
    proxy.port = proxy_port;
    proxy.username = proxy_user;
    proxy.password = std::make_shared<const common::Secret>(proxy_password);
    account.proxy = proxy;
    return account;
  }
};

TEST_F(ThroughSocks5, FetchesByteExactWithoutProxyAuth) {
  auto proxy = test_support::Socks5Proxy::start();
  ASSERT_TRUE(proxy) << proxy.error().message;
  int seed = 1;
  for (Security security : {Security::Tls, Security::StartTls, Security::None}) {
    const std::string user = "socks-" + std::string(config::to_string(security));
    SCOPED_TRACE(user);
    const integration::Mailbox box = suite_.mailbox(user, static_cast<std::uint64_t>(seed++));
    const std::string db = suite_.database(user);
    auto outcome = integration::run_poll(account_for(user, security, proxy->port()), box.password, db);
    ASSERT_TRUE(outcome.ok()) << outcome.error().message;
    ASSERT_TRUE(outcome->report.ok()) << outcome->report.error->message << dump(outcome->log);
    EXPECT_EQ(outcome->report.new_messages, box.delivered.size());
    EXPECT_TRUE(integration::archive_holds(db, user, box, integration::all_of(box)));
    EXPECT_TRUE(outcome->logged("via SOCKS5 proxy 127.0.0.1:" + std::to_string(proxy->port())))
        << dump(outcome->log);
  }
}

TEST_F(ThroughSocks5, FetchesByteExactWithProxyAuth) {
  auto proxy = test_support::Socks5Proxy::start("proxyuser", "proxy-Secret-77");
  ASSERT_TRUE(proxy) << proxy.error().message;
  const std::string user = "socks-auth";
  const integration::Mailbox box = suite_.mailbox(user, 11);
  const std::string db = suite_.database(user);
  auto outcome = integration::run_poll(
      account_for(user, Security::Tls, proxy->port(), "proxyuser", "proxy-Secret-77"), box.password, db);
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  ASSERT_TRUE(outcome->report.ok()) << outcome->report.error->message << dump(outcome->log);
  EXPECT_TRUE(integration::archive_holds(db, user, box, integration::all_of(box)));
  for (const auto& line : outcome->log) EXPECT_THAT(line, Not(HasSubstr("proxy-Secret-77")));
}

TEST_F(ThroughSocks5, WrongProxyPasswordFailsClearly) {
  auto proxy = test_support::Socks5Proxy::start("proxyuser", "proxy-Secret-77");
  ASSERT_TRUE(proxy) << proxy.error().message;
  const std::string user = "socks-wrong";
  const integration::Mailbox box = suite_.mailbox(user, 12);
  for (const char* password : {"not-the-Secret", ""}) {
    const std::string proxy_user = *password == '\0' ? "" : "proxyuser";
    auto outcome =
        integration::run_poll(account_for(user, Security::Tls, proxy->port(), proxy_user, password),
                              box.password, suite_.database(user));
    ASSERT_TRUE(outcome.ok()) << outcome.error().message;
    ASSERT_FALSE(outcome->report.ok());
    EXPECT_EQ(outcome->report.error->kind, common::ErrorKind::Auth) << outcome->report.error->message;
    EXPECT_THAT(outcome->report.error->message, HasSubstr("SOCKS5 proxy"));
    EXPECT_THAT(outcome->report.error->message,
                HasSubstr(*password == '\0' ? "needs authentication" : "refused the user name or password"));
    for (const auto& line : outcome->log) EXPECT_THAT(line, Not(HasSubstr("not-the-Secret")));
  }
  EXPECT_EQ(*server().mailbox_size(user), box.delivered.size());
  EXPECT_THAT(server().log_text(), Not(HasSubstr("user=<" + user + ">")));
}

// The name goes to the proxy unresolved: the error is the proxy's (its REP
// code), not our resolver's "no address for host".
TEST_F(ThroughSocks5, TheServerNameIsResolvedByTheProxy) {
  auto proxy = test_support::Socks5Proxy::start();
  ASSERT_TRUE(proxy) << proxy.error().message;
  config::Account account = account_for("socks-nxdomain", Security::None, proxy->port());
  account.server = "no-such-host.invalid";
  auto outcome = integration::run_poll(account, "pw", suite_.database("socks-nxdomain"));
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  ASSERT_FALSE(outcome->report.ok());
  EXPECT_THAT(outcome->report.error->message,
              HasSubstr("the SOCKS5 proxy could not connect to no-such-host.invalid:"));
  EXPECT_THAT(outcome->report.error->message, Not(HasSubstr("no address for host")));
}

TEST_F(ThroughSocks5, AProxyThatIsNotThereIsNamed) {
  std::uint16_t port = 0;
  {
    auto proxy = test_support::Socks5Proxy::start();
    ASSERT_TRUE(proxy) << proxy.error().message;
    port = proxy->port();
  }  // stopped: nothing listens on `port` now
  config::Account account = account_for("socks-gone", Security::None, port);
  auto outcome = integration::run_poll(account, "pw", suite_.database("socks-gone"));
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  ASSERT_FALSE(outcome->report.ok());
  EXPECT_EQ(outcome->report.error->kind, common::ErrorKind::Io);
  EXPECT_THAT(
      outcome->report.error->message,
      HasSubstr("cannot reach the SOCKS5 proxy: connection refused by 127.0.0.1:" + std::to_string(port)));
}

}  // namespace
