// Hostile TLS: a CAPA without STLS, STLS refused, plaintext injected after
// STLS, and certificates with a wrong host name, expired or self-signed, in
// all four TLS modes. The verifying modes (tls, starttls) must refuse before
// any credential leaves; the *-if-available modes encrypt without checking
// and must work.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ostream>

#include "hostile/dialogue.hpp"
#include "hostile/poll_harness.hpp"
#include "net/sha256.hpp"
#include "support/test_pki.hpp"

namespace hostile {
namespace {

using config::Security;
using test_support::Credential;
using test_support::TestPki;
using ::testing::AnyOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

using StartTls = HostileTest;

// poll_script()'s adjustment: security starttls.
void starttls(config::Account& account) { account.security = Security::StartTls; }

// A server that offers STLS and is asked for it; what it answers is the test's.
FakePop3Script stls_requested() {
  return FakePop3Script()
      .send_line("+OK ready")
      .expect("CAPA")
      .send("+OK\r\nSTLS\r\nUSER\r\n.\r\n")
      .expect("STLS");
}

TEST_F(StartTls, CapaWithoutStlsIsRefusedBeforeAnyCredential) {
  const ScriptedPoll outcome =
      poll_script(FakePop3Script()
                      .send_line("+OK ready")
                      .expect("CAPA")
                      .send("+OK\r\nUSER\r\nSASL PLAIN LOGIN\r\nUIDL\r\n.\r\n")  // STLS dropped
                      .stall(),
                  starttls);
  expect_failed(outcome.report, ErrorKind::Tls,
                "server does not offer STLS; refusing to authenticate without TLS", *outcome.server);
  ASSERT_TRUE(outcome.server->wait_finished());
  EXPECT_THAT(outcome.server->received_lines(), ElementsAre("CAPA"));
  expect_no_credentials_sent(*outcome.server);
}

TEST_F(StartTls, NoCapaAtAllIsRefusedBeforeAnyCredential) {
  const ScriptedPoll outcome = poll_script(
      FakePop3Script().send_line("+OK ready").expect("CAPA").send_line("-ERR what?").stall(), starttls);
  expect_failed(outcome.report, ErrorKind::Tls, "server does not support CAPA, so it offers no STLS",
                *outcome.server);
  ASSERT_TRUE(outcome.server->wait_finished());
  EXPECT_THAT(outcome.server->received_lines(), ElementsAre("CAPA"));
  expect_no_credentials_sent(*outcome.server);
}

TEST_F(StartTls, StlsAnsweredErrIsRefusedBeforeAnyCredential) {
  const ScriptedPoll outcome =
      poll_script(stls_requested().send_line("-ERR [SYS/TEMP] TLS is broken today").stall(), starttls);
  expect_failed(outcome.report, ErrorKind::Tls, "server refused STLS: [SYS/TEMP] TLS is broken today",
                *outcome.server);
  ASSERT_TRUE(outcome.server->wait_finished());
  EXPECT_THAT(outcome.server->received_lines(), ElementsAre("CAPA", "STLS"));
  expect_no_credentials_sent(*outcome.server);
}

TEST_F(StartTls, StlsRefusedUnderIfAvailableContinuesInClearTextWithANotice) {
  // The weak mode's documented behaviour, as a control for the test above.
  const std::vector<Message> messages = {message("uid-1", 1)};
  FakePop3Script script;
  script.send_line("+OK ready")
      .expect("CAPA")
      .send("+OK\r\nSTLS\r\nUSER\r\nUIDL\r\n.\r\n")
      .expect("STLS")
      .send_line("-ERR not now")
      .expect("USER alice")
      .send_line("+OK")
      .expect("PASS " + std::string(kPassword))
      .send_line("+OK")
      .expect("CAPA")
      .send(std::string(kPlainCapa));
  listing(script, messages);
  retrieve(script, 1, messages[0]);
  quit(script);
  const ScriptedPoll outcome = poll_script(
      std::move(script), [](config::Account& account) { account.security = Security::StartTlsIfAvailable; });
  ASSERT_TRUE(outcome.report.ok()) << outcome.report.error->message;
  EXPECT_EQ(stored().size(), 1u);
  EXPECT_THAT(log(),
              ::testing::Contains(HasSubstr("server refused STLS (not now); continuing in clear text")));
  expect_no_secret_logged(outcome.report);
}

TEST_F(StartTls, PlaintextInjectedAfterStlsIsRefused) {
  // CVE-2011-0411: a man in the middle appends a reply after "+OK" to STLS,
  // hoping the client reads it as if it came over TLS.
  const ScriptedPoll outcome =
      poll_script(stls_requested().send("+OK begin TLS\r\n+OK\r\nSASL PLAIN\r\n.\r\n").stall(), starttls);
  expect_failed(outcome.report, ErrorKind::Protocol, "possible plaintext injection", *outcome.server);
  ASSERT_TRUE(outcome.server->wait_finished());
  EXPECT_THAT(outcome.server->received_lines(), ElementsAre("CAPA", "STLS"));
  EXPECT_EQ(outcome.server->tls_handshakes(), 0u);
  expect_no_credentials_sent(*outcome.server);
}

// --- certificates × modes

enum class Cert { Good, WrongHost, Expired, SelfSigned };

const Credential& credential(Cert cert) {
  const TestPki& pki = TestPki::instance();
  switch (cert) {
    case Cert::Good:
      return pki.good;
    case Cert::WrongHost:
      return pki.wrong_host;
    case Cert::Expired:
      return pki.expired;
    case Cert::SelfSigned:
      return pki.self_signed;
  }
  return pki.good;
}

struct TlsCase {
  const char* name;
  Cert cert;
  Security security;
  const char* refusal;  // nullptr: the poll must succeed
};

// For test names and messages (gtest would otherwise dump the raw bytes,
// padding included).
void PrintTo(const TlsCase& c, std::ostream* out) { *out << c.name; }

class Certificates : public HostileTest, public ::testing::WithParamInterface<TlsCase> {
 public:
  static FakePop3Script script(const TlsCase& c, const std::vector<Message>& messages) {
    return script_for(c, messages);
  }
  static bool implicit_mode(Security security) { return implicit(security); }

 protected:
  static bool implicit(Security security) {
    return security == Security::Tls || security == Security::TlsIfAvailable;
  }

  // The whole session of one message, over TLS from the first byte or after STLS.
  static FakePop3Script script_for(const TlsCase& c, const std::vector<Message>& messages) {
    FakePop3Script script;
    if (implicit(c.security)) {
      script.start_tls(credential(c.cert));
      login(script);
    } else {
      script.send_line("+OK ready")
          .expect("CAPA")
          .send("+OK\r\nSTLS\r\nUSER\r\n.\r\n")
          .expect("STLS")
          .send_line("+OK begin TLS")
          .start_tls(credential(c.cert))
          .expect("CAPA")
          .send(std::string(kPlainCapa));
      user_pass(script);
    }
    listing(script, messages);
    retrieve(script, 1, messages[0]);
    return quit(script);
  }
};

TEST_P(Certificates, RefusedBeforeAnyCredentialOnlyWhenTheModeVerifies) {
  const TlsCase& c = GetParam();
  const std::vector<Message> messages = {message("uid-1", 1)};
  const ScriptedPoll outcome =
      poll_script(script_for(c, messages), [&](config::Account& account) { account.security = c.security; });
  ASSERT_TRUE(outcome.server->wait_finished());
  if (c.refusal == nullptr) {
    ASSERT_TRUE(outcome.report.ok()) << outcome.report.error->message;
    EXPECT_EQ(outcome.server->tls_handshakes(), 1u);
    EXPECT_TRUE(outcome.server->errors().empty()) << outcome.server->errors().front();
    const std::vector<StoredMessage> archive = stored();
    ASSERT_EQ(archive.size(), 1u);
    EXPECT_EQ(archive[0].raw, messages[0].raw);
    expect_no_secret_logged(outcome.report);
    return;
  }
  expect_failed(outcome.report, ErrorKind::Tls, c.refusal, *outcome.server);
  EXPECT_EQ(outcome.server->tls_handshakes(), 0u);
  // The server sees the handshake end unfinished: with a fatal alert from
  // the client (TLS 1.2), or with the connection closed by it (mbedTLS 3.6's
  // TLS 1.3 client may close without one).
  EXPECT_THAT(outcome.server->errors(),
              ElementsAre(AnyOf(HasSubstr("TLS handshake failed"),
                                HasSubstr("client closed the connection during the TLS handshake"))));
  // Nothing but the clear-text preamble of STLS ever reached the server.
  if (implicit(c.security)) {
    EXPECT_THAT(outcome.server->received_lines(), IsEmpty());
  } else {
    EXPECT_THAT(outcome.server->received_lines(), ElementsAre("CAPA", "STLS"));
  }
  expect_no_credentials_sent(*outcome.server);
  EXPECT_THAT(stored(), IsEmpty());
}

constexpr const char* kAccepted = nullptr;

INSTANTIATE_TEST_SUITE_P(
    Hostile, Certificates,
    ::testing::Values(
        // Controls: a good certificate works in every mode.
        TlsCase{"GoodTls", Cert::Good, Security::Tls, kAccepted},
        TlsCase{"GoodStartTls", Cert::Good, Security::StartTls, kAccepted},
        TlsCase{"GoodTlsIfAvailable", Cert::Good, Security::TlsIfAvailable, kAccepted},
        TlsCase{"GoodStartTlsIfAvailable", Cert::Good, Security::StartTlsIfAvailable, kAccepted},
        // tls and starttls refuse.
        TlsCase{"WrongHostTls", Cert::WrongHost, Security::Tls, "host name does not match the certificate"},
        TlsCase{"WrongHostStartTls", Cert::WrongHost, Security::StartTls,
                "host name does not match the certificate"},
        TlsCase{"ExpiredTls", Cert::Expired, Security::Tls, "certificate has expired"},
        TlsCase{"ExpiredStartTls", Cert::Expired, Security::StartTls, "certificate has expired"},
        TlsCase{"SelfSignedTls", Cert::SelfSigned, Security::Tls,
                "certificate is self-signed and not trusted"},
        TlsCase{"SelfSignedStartTls", Cert::SelfSigned, Security::StartTls,
                "certificate is self-signed and not trusted"},
        // The *-if-available modes encrypt without checking: they accept.
        TlsCase{"WrongHostTlsIfAvailable", Cert::WrongHost, Security::TlsIfAvailable, kAccepted},
        TlsCase{"WrongHostStartTlsIfAvailable", Cert::WrongHost, Security::StartTlsIfAvailable, kAccepted},
        TlsCase{"ExpiredTlsIfAvailable", Cert::Expired, Security::TlsIfAvailable, kAccepted},
        TlsCase{"ExpiredStartTlsIfAvailable", Cert::Expired, Security::StartTlsIfAvailable, kAccepted},
        TlsCase{"SelfSignedTlsIfAvailable", Cert::SelfSigned, Security::TlsIfAvailable, kAccepted},
        TlsCase{"SelfSignedStartTlsIfAvailable", Cert::SelfSigned, Security::StartTlsIfAvailable, kAccepted}),
    [](const ::testing::TestParamInfo<TlsCase>& info) { return std::string(info.param.name); });

// tls_fingerprint: the SHA-256 of the leaf certificate's DER (the first PEM
// block of the chain).
config::Sha256Pin pin_of(const Credential& credential) { return test_support::leaf_sha256(credential.chain_pem); }

struct PinCase {
  const char* name;
  Cert cert;    // what the server presents
  Cert pinned;  // whose fingerprint the account pins
  Security security;
};
void PrintTo(const PinCase& c, std::ostream* out) { *out << c.name; }

using Pinning = Certificates;
class PinningCases : public HostileTest, public ::testing::WithParamInterface<PinCase> {};

// The pin replaces the chain and host checks in every TLS mode: the pinned
// certificate is accepted even when self-signed or for another host, and any
// other certificate is refused before a credential leaves.
TEST_P(PinningCases, ThePinDecides) {
  const PinCase& c = GetParam();
  const std::vector<Message> messages = {message("uid-1", 1)};
  const TlsCase as_tls{c.name, c.cert, c.security, nullptr};
  const ScriptedPoll outcome = poll_script(Pinning::script(as_tls, messages), [&](config::Account& account) {
    account.security = c.security;
    account.tls_fingerprints = {pin_of(credential(c.pinned))};
  });
  ASSERT_TRUE(outcome.server->wait_finished());
  const fetch::PollReport& report = outcome.report;
  test_support::FakePop3Server& server = *outcome.server;
  if (c.cert == c.pinned) {
    ASSERT_TRUE(report.ok()) << report.error->message;
    ASSERT_EQ(stored().size(), 1u);
    EXPECT_EQ(stored()[0].raw, messages[0].raw);
    return;
  }
  expect_failed(report, ErrorKind::Tls, "does not match tls_fingerprint", server);
  EXPECT_THAT(report.error->message, HasSubstr(net::format_sha256_fingerprint(pin_of(credential(c.cert)))));
  if (Certificates::implicit_mode(c.security)) {
    EXPECT_THAT(server.received_lines(), IsEmpty());
  } else {
    EXPECT_THAT(server.received_lines(), ElementsAre("CAPA", "STLS"));
  }
  expect_no_credentials_sent(server);
  EXPECT_THAT(stored(), IsEmpty());
}

INSTANTIATE_TEST_SUITE_P(
    Hostile, PinningCases,
    ::testing::Values(
        PinCase{"SelfSignedPinnedTls", Cert::SelfSigned, Cert::SelfSigned, Security::Tls},
        PinCase{"SelfSignedPinnedStartTls", Cert::SelfSigned, Cert::SelfSigned, Security::StartTls},
        PinCase{"WrongHostPinnedTls", Cert::WrongHost, Cert::WrongHost, Security::Tls},
        PinCase{"GoodPinnedTlsIfAvailable", Cert::Good, Cert::Good, Security::TlsIfAvailable},
        PinCase{"GoodButOtherPinTls", Cert::Good, Cert::SelfSigned, Security::Tls},
        PinCase{"GoodButOtherPinStartTls", Cert::Good, Cert::SelfSigned, Security::StartTls},
        PinCase{"SelfSignedOtherPinTlsIfAvailable", Cert::SelfSigned, Cert::Good, Security::TlsIfAvailable},
        PinCase{"SelfSignedOtherPinStartTlsIfAvailable", Cert::SelfSigned, Cert::Good,
                Security::StartTlsIfAvailable}),
    [](const ::testing::TestParamInfo<PinCase>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace hostile
