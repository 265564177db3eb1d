// TLS session resumption across polls against Dovecot: the second poll of an
// account with the same session cache resumes (one round trip, no
// certificate), in TLS and STARTTLS; a changed server name or pin starts over;
// a failed verification leaves nothing to resume. Prints the handshake costs
// (bytes each way, round trips) of a full and a resumed handshake.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include "integration/mailbox.hpp"
#include "integration/poll_harness.hpp"
#include "integration/server_suite.hpp"
#include "net/tls_session_cache.hpp"
#include "support/test_pki.hpp"

namespace {

using integration::dump;

using config::AuthMethod;
using config::Security;
using ::testing::HasSubstr;

// The log line with the handshake's description ("...; resumed session, 1 round trip(s), ...").
std::string handshake_line(const integration::PollOutcome& outcome) {
  for (const std::string& line : outcome.log) {
    if (line.find("round trip(s)") != std::string::npos) return line;
  }
  return {};
}

// The SHA-256 pin of the first certificate in a PEM file.
config::Sha256Pin pin_of_pem_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return test_support::leaf_sha256(text.str());
}

class TlsResumption : public integration::DovecotSuite<TlsResumption> {
 protected:
  static config::Account account_for(const std::string& user, Security security) {
    const std::uint16_t port = security == Security::Tls ? server().pop3s_port() : server().pop3_port();
    config::Account account = integration::make_account(user, server().host(), port, security, AuthMethod::Plain);
    account.ca_file = server().ca_file().string();
    return account;
  }

  // One poll; returns its handshake line (empty when the poll failed).
  static std::string poll(const config::Account& account, const std::string& password,
                          const std::shared_ptr<net::TlsSessionCache>& cache, bool expect_ok = true) {
    auto outcome = integration::run_poll(account, password, suite_.database(account.name), cache);
    EXPECT_TRUE(outcome.ok()) << outcome.error().message;
    if (!outcome.ok()) return {};
    EXPECT_EQ(outcome->report.ok(), expect_ok)
        << (outcome->report.error ? outcome->report.error->message : "") << dump(outcome->log);
    return handshake_line(*outcome);
  }
};

TEST_F(TlsResumption, TheSecondPollResumes) {
  for (Security security : {Security::Tls, Security::StartTls}) {
    const std::string user = "resume-" + std::string(config::to_string(security));
    SCOPED_TRACE(user);
    auto box = integration::create_mailbox(server(), user, "pw-" + user, integration::varied_messages(3));
    ASSERT_TRUE(box.ok()) << box.error().message;
    const config::Account account = account_for(user, security);
    auto cache = std::make_shared<net::TlsSessionCache>();

    const std::string first = poll(account, box->password, cache);
    EXPECT_THAT(first, HasSubstr("full handshake"));
    EXPECT_FALSE(cache->empty());
    const std::string second = poll(account, box->password, cache);
    EXPECT_THAT(second, HasSubstr("resumed session"));
    const std::string third = poll(account, box->password, cache);
    EXPECT_THAT(third, HasSubstr("resumed session"));
    std::cout << "[ figures  ] " << user << "\n  full:    " << first << "\n  resumed: " << second << "\n";

    // Without a cache (poll-once), every poll is a full handshake.
    EXPECT_THAT(poll(account, box->password, nullptr), HasSubstr("full handshake"));
  }
}

// With tls_fingerprint instead of a CA, a resumed session is told from a
// full handshake the same way (no certificate came), and the pin still holds.
TEST_F(TlsResumption, APinnedAccountResumesToo) {
  const std::string user = "resume-pinned";
  auto box = integration::create_mailbox(server(), user, "pw-" + user, integration::varied_messages(2));
  ASSERT_TRUE(box.ok()) << box.error().message;
  config::Account account = account_for(user, Security::Tls);
  account.ca_file = "";
  account.tls_fingerprints = {pin_of_pem_file(server().cert_file())};
  auto cache = std::make_shared<net::TlsSessionCache>();
  EXPECT_THAT(poll(account, box->password, cache), HasSubstr("full handshake"));
  EXPECT_THAT(poll(account, box->password, cache), HasSubstr("resumed session"));
  EXPECT_THAT(poll(account, box->password, cache), HasSubstr("resumed session"));
}

TEST_F(TlsResumption, AChangedServerNameOrPinStartsOver) {
  const std::string user = "resume-change";
  auto box = integration::create_mailbox(server(), user, "pw-" + user, integration::varied_messages(2));
  ASSERT_TRUE(box.ok()) << box.error().message;
  config::Account account = account_for(user, Security::Tls);
  auto cache = std::make_shared<net::TlsSessionCache>();
  EXPECT_THAT(poll(account, box->password, cache), HasSubstr("full handshake"));
  EXPECT_THAT(poll(account, box->password, cache), HasSubstr("resumed session"));

  account.server = "localhost";  // the same Dovecot under another name: not the same session
  EXPECT_THAT(poll(account, box->password, cache), HasSubstr("full handshake"));
  EXPECT_THAT(poll(account, box->password, cache), HasSubstr("resumed session"));

  // A pin that the certificate does not match: refused, and nothing kept.
  account.tls_fingerprints = {config::Sha256Pin{}};
  poll(account, box->password, cache, false);
  EXPECT_TRUE(cache->empty());
}

TEST_F(TlsResumption, AFailedVerificationNeverStoresASession) {
  const std::string user = "resume-unverified";
  auto box = integration::create_mailbox(server(), user, "pw-" + user, integration::varied_messages(2));
  ASSERT_TRUE(box.ok()) << box.error().message;
  config::Account account = account_for(user, Security::Tls);
  account.ca_file = "";  // the system bundle does not know the test CA
  auto cache = std::make_shared<net::TlsSessionCache>();
  poll(account, box->password, cache, false);
  EXPECT_TRUE(cache->empty());

  // A good session, then a poll whose verification fails: the session goes.
  account.ca_file = server().ca_file().string();
  EXPECT_THAT(poll(account, box->password, cache), HasSubstr("full handshake"));
  EXPECT_FALSE(cache->empty());
  account.ca_file = "";
  poll(account, box->password, cache, false);
  EXPECT_TRUE(cache->empty());
}

}  // namespace
