// net::TlsSession against an mbedTLS server in memory: no sockets, no loop.
// Certificates come from the run-time test PKI (test_pki.hpp).

#include "net/tls_session.hpp"

#include <gtest/gtest.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "net/sha256.hpp"
#include "net/tls_trust.hpp"
#include "net/tls_verify.hpp"
#include "support/test_pki.hpp"
#include "support/tls_test_server.hpp"

namespace {

using net::TlsOptions;
using net::TlsSession;
using test_support::Credential;
using test_support::TestPki;
using test_support::TlsTestServer;

const TestPki& pki() { return TestPki::instance(); }

TlsOptions verifying(std::string host) { return TlsOptions{std::move(host), true, pki().ca_file}; }
TlsOptions not_verifying(std::string host) { return TlsOptions{std::move(host), false, {}}; }

TlsSession make_client(const TlsOptions& options) {
  auto created = TlsSession::create(options);
  if (!created) throw std::runtime_error("TlsSession::create: " + created.error().message);
  return std::move(*created);
}

// Pumps bytes both ways until both sides finished (or the client failed).
// `chunk` > 0 feeds the client at most that many bytes at a time.
common::Status run_handshake(TlsSession& client, TlsTestServer& server, std::size_t chunk = 0) {
  std::string to_client;
  for (int round = 0; round < 10000; ++round) {
    std::string piece = to_client;
    if (chunk > 0 && piece.size() > chunk) piece.resize(chunk);
    to_client.erase(0, piece.size());
    client.feed_ciphertext(piece);
    auto step = client.handshake();
    server.feed(client.take_ciphertext());
    if (!step) return step.error();
    server.handshake();
    to_client += server.take();
    if (*step == TlsSession::Handshake::Done && server.handshake_done() && to_client.empty()) return {};
    if (server.failed() && to_client.empty() && *step == TlsSession::Handshake::NeedMore) {
      return common::make_error(common::ErrorKind::Tls, "server failed, client still waiting");
    }
  }
  return common::make_error(common::ErrorKind::Tls, "handshake did not converge");
}

std::string handshake_error(const Credential& credential, const TlsOptions& options) {
  TlsSession client = make_client(options);
  TlsTestServer server(credential);
  auto result = run_handshake(client, server);
  if (result) return "<handshake succeeded>";
  EXPECT_EQ(result.error().kind, common::ErrorKind::Tls);
  return result.error().message;
}

bool handshake_ok(const Credential& credential, const TlsOptions& options) {
  TlsSession client = make_client(options);
  TlsTestServer server(credential);
  auto result = run_handshake(client, server);
  EXPECT_TRUE(result.ok()) << result.error().message;
  return result.ok() && client.handshake_done();
}

TEST(TlsSession, GoodCertificateHandshakesAndDataRoundTrips) {
  TlsSession client = make_client(verifying("localhost"));
  TlsTestServer server(pki().good);
  ASSERT_TRUE(run_handshake(client, server).ok());
  EXPECT_TRUE(client.handshake_done());
  EXPECT_TRUE(client.info().version == "TLSv1.2" || client.info().version == "TLSv1.3")
      << client.info().version;
  EXPECT_FALSE(client.info().cipher_suite.empty());

  ASSERT_TRUE(client.write("USER alice\r\n").ok());
  server.feed(client.take_ciphertext());
  EXPECT_EQ(server.read(), "USER alice\r\n");

  server.write("+OK welcome\r\n");
  client.feed_ciphertext(server.take());
  auto plain = client.read_plaintext();
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  EXPECT_EQ(plain->bytes, "+OK welcome\r\n");
  EXPECT_FALSE(plain->closed);
}

TEST(TlsSession, LargeDataCrossesManyRecordsBothWays) {
  TlsSession client = make_client(verifying("localhost"));
  TlsTestServer server(pki().good);
  ASSERT_TRUE(run_handshake(client, server).ok());

  std::string big;
  for (int i = 0; big.size() < 100000; ++i) big += "line " + std::to_string(i) + "\r\n";
  ASSERT_TRUE(client.write(big).ok());
  server.feed(client.take_ciphertext());
  EXPECT_EQ(server.read(), big);

  server.write(big);
  const std::string ciphertext = server.take();
  std::string received;
  // Fed in uneven slices, as a socket would deliver them.
  for (std::size_t at = 0; at < ciphertext.size(); at += 1000) {
    client.feed_ciphertext(std::string_view(ciphertext).substr(at, 1000));
    auto plain = client.read_plaintext();
    ASSERT_TRUE(plain.ok());
    received += plain->bytes;
  }
  EXPECT_EQ(received, big);
}

TEST(TlsSession, HandshakeCompletesWhenFedOneByteAtATime) {
  TlsSession client = make_client(verifying("localhost"));
  TlsTestServer server(pki().good);
  ASSERT_TRUE(run_handshake(client, server, 1).ok());
  EXPECT_TRUE(client.handshake_done());
}

TEST(TlsSession, SendsSniForHostNamesButNotForIpLiterals) {
  {
    TlsSession client = make_client(not_verifying("localhost"));
    TlsTestServer server(pki().good);
    ASSERT_TRUE(run_handshake(client, server).ok());
    EXPECT_EQ(server.sni(), "localhost");
  }
  {
    TlsSession client = make_client(not_verifying("127.0.0.1"));
    TlsTestServer server(pki().good);
    ASSERT_TRUE(run_handshake(client, server).ok());
    EXPECT_EQ(server.sni(), "");  // RFC 6066 §3: no IP literals in SNI
  }
}

TEST(TlsSession, WrongHostNameIsRefusedWhenVerifying) {
  EXPECT_EQ(handshake_error(pki().wrong_host, verifying("localhost")),
            "certificate verification failed for localhost: host name does not match the certificate");
  EXPECT_TRUE(handshake_ok(pki().wrong_host, not_verifying("localhost")));
  EXPECT_TRUE(handshake_ok(pki().wrong_host, verifying("mail.example.org")));
}

TEST(TlsSession, ExpiredCertificateIsRefusedWhenVerifying) {
  EXPECT_EQ(handshake_error(pki().expired, verifying("localhost")),
            "certificate verification failed for localhost: certificate has expired");
  EXPECT_TRUE(handshake_ok(pki().expired, not_verifying("localhost")));
}

TEST(TlsSession, UnknownCaIsRefusedWhenVerifying) {
  EXPECT_EQ(handshake_error(pki().unknown_ca, verifying("localhost")),
            "certificate verification failed for localhost: certificate is not trusted (unknown CA)");
  EXPECT_TRUE(handshake_ok(pki().unknown_ca, not_verifying("localhost")));
}

TEST(TlsSession, SelfSignedCertificateIsRefusedWhenVerifying) {
  EXPECT_EQ(handshake_error(pki().self_signed, verifying("localhost")),
            "certificate verification failed for localhost: certificate is self-signed and not trusted");
  EXPECT_TRUE(handshake_ok(pki().self_signed, not_verifying("localhost")));
}

TEST(TlsSession, IpLiteralMustBeAnIpAddressSubjectAltName) {
  EXPECT_TRUE(handshake_ok(pki().good, verifying("127.0.0.1")));
  EXPECT_TRUE(handshake_ok(pki().good, verifying("::1")));
  EXPECT_TRUE(handshake_ok(pki().good, verifying("[::1]")));
  EXPECT_EQ(handshake_error(pki().good, verifying("127.0.0.2")),
            "certificate verification failed for 127.0.0.2: host name does not match the certificate");
  // An IP in the CN does not count (RFC 6125 §6.2.1), nor does a dNSName.
  EXPECT_EQ(handshake_error(pki().ip_in_cn_only, verifying("127.0.0.1")),
            "certificate verification failed for 127.0.0.1: host name does not match the certificate");
  EXPECT_TRUE(handshake_ok(pki().ip_in_cn_only, not_verifying("127.0.0.1")));
}

TEST(TlsSession, ServerOfferingOnlyTls11IsRefused) {
#if defined(MBEDTLS_SSL_PROTO_TLS1_1)
  for (const TlsOptions& options : {verifying("localhost"), not_verifying("localhost")}) {
    TlsSession client = make_client(options);
    TlsTestServer server(pki().good, TlsTestServer::Options{true});
    auto result = run_handshake(client, server);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().kind, common::ErrorKind::Tls);
    EXPECT_EQ(result.error().message, "the server does not offer TLS 1.2 or later");
  }
#else
  GTEST_SKIP() << "this mbedTLS cannot build a TLS 1.1 server";
#endif
}

TEST(TlsSession, CloseNotifyTravelsBothWays) {
  TlsSession client = make_client(verifying("localhost"));
  TlsTestServer server(pki().good);
  ASSERT_TRUE(run_handshake(client, server).ok());

  server.write("+OK bye\r\n");
  server.close_notify();
  client.feed_ciphertext(server.take());
  auto plain = client.read_plaintext();
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->bytes, "+OK bye\r\n");
  EXPECT_TRUE(plain->closed);

  client.close_notify();
  server.feed(client.take_ciphertext());
  server.read();
  EXPECT_TRUE(server.peer_closed());
}

// Records that carry no data must not stop read_plaintext() while whole
// records wait behind them: a caller that sees EOF next (the server's last
// reply, then close_notify and FIN in one TCP segment) would never get them.
TEST(TlsSession, WarningAlertBetweenRecordsDoesNotHideTheRecordsBehindIt) {
  TlsSession client = make_client(verifying("localhost"));
  TlsTestServer server(pki().good);
  ASSERT_TRUE(run_handshake(client, server).ok());

  server.write("line 1\r\n");
  server.warning_alert(MBEDTLS_SSL_ALERT_MSG_NO_RENEGOTIATION);
  server.write(".\r\n+OK bye\r\n");
  server.close_notify();
  client.feed_ciphertext(server.take());
  auto plain = client.read_plaintext();
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  EXPECT_EQ(plain->bytes, "line 1\r\n.\r\n+OK bye\r\n");
  EXPECT_TRUE(plain->closed);
}

TEST(TlsSession, EmptyRecordsAreNotTheEndOfTheStream) {
  TlsSession client = make_client(verifying("localhost"));
  TlsTestServer server(pki().good);
  ASSERT_TRUE(run_handshake(client, server).ok());

  server.write("line 1\r\n");
  server.empty_record();
  server.empty_record();
  server.write(".\r\n");
  client.feed_ciphertext(server.take());
  auto plain = client.read_plaintext();
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  EXPECT_EQ(plain->bytes, "line 1\r\n.\r\n");
  EXPECT_FALSE(plain->closed);

  server.write("+OK bye\r\n");
  server.close_notify();
  client.feed_ciphertext(server.take());
  plain = client.read_plaintext();
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  EXPECT_EQ(plain->bytes, "+OK bye\r\n");
  EXPECT_TRUE(plain->closed);
}

TEST(TlsSession, CorruptRecordIsATlsErrorAndTheSessionStaysDead) {
  TlsSession client = make_client(verifying("localhost"));
  TlsTestServer server(pki().good);
  ASSERT_TRUE(run_handshake(client, server).ok());
  server.write("+OK\r\n");
  std::string record = server.take();
  record.back() ^= 0x01;  // flip a bit in the authentication tag
  client.feed_ciphertext(record);
  auto plain = client.read_plaintext();
  ASSERT_FALSE(plain.ok());
  EXPECT_EQ(plain.error().kind, common::ErrorKind::Tls);
  EXPECT_NE(plain.error().message.find("TLS record error"), std::string::npos) << plain.error().message;
  EXPECT_FALSE(client.write("QUIT\r\n").ok());
  EXPECT_FALSE(client.read_plaintext().ok());
}

TEST(TlsSession, FailedHandshakeStaysFailed) {
  TlsSession client = make_client(verifying("localhost"));
  TlsTestServer server(pki().expired);
  ASSERT_FALSE(run_handshake(client, server).ok());
  auto again = client.handshake();
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message.find("certificate has expired"), std::string::npos);
  EXPECT_FALSE(client.write("x").ok());
}

TEST(TlsSession, WriteBeforeHandshakeIsRefused) {
  TlsSession client = make_client(verifying("localhost"));
  EXPECT_FALSE(client.write("USER x\r\n").ok());
  auto plain = client.read_plaintext();
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(plain->bytes.empty());
}

TEST(TlsSession, CreateReportsUnusableConfiguration) {
  auto missing = TlsSession::create(TlsOptions{"localhost", true, pki().ca_file + ".missing"});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, common::ErrorKind::Config);
  EXPECT_NE(missing.error().message.find(".missing"), std::string::npos);

  auto no_host = TlsSession::create(TlsOptions{"", true, pki().ca_file});
  ASSERT_FALSE(no_host.ok());
  EXPECT_EQ(no_host.error().kind, common::ErrorKind::Config);

  // Without verification the CA file is not even read.
  EXPECT_TRUE(TlsSession::create(TlsOptions{"localhost", false, "/nonexistent/ca.pem"}).ok());
}

TEST(TlsSession, EmptyCaFileMeansTheSystemBundleWhichDoesNotKnowTheTestCa) {
  auto created = TlsSession::create(TlsOptions{"localhost", true, ""});
  if (!created && created.error().kind == common::ErrorKind::Config) {
    GTEST_SKIP() << created.error().message;
  }
  ASSERT_TRUE(created.ok()) << created.error().message;
  TlsTestServer server(pki().good);
  auto result = run_handshake(*created, server);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message,
            "certificate verification failed for localhost: certificate is not trusted (unknown CA)");
}

TEST(TlsTrust, CaFileIsParsedOnceAndAgainOnlyWhenItChanges) {
  const std::string path = pki().ca_file + ".cache-test";
  std::ofstream(path) << pki().ca_pem;
  auto first = net::detail::trust_store(path);
  auto second = net::detail::trust_store(path);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->get(), second->get());

  std::ofstream(path, std::ios::app) << "\n";  // a different size: re-read
  auto third = net::detail::trust_store(path);
  ASSERT_TRUE(third.ok());
  EXPECT_NE(third->get(), first->get());
  std::remove(path.c_str());
}

TEST(TlsTrust, FileWithoutCertificatesIsAConfigError) {
  const std::string path = pki().ca_file + ".empty";
  std::ofstream(path) << "not a certificate\n";
  auto store = net::detail::trust_store(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().kind, common::ErrorKind::Config);
  std::remove(path.c_str());
}

TEST(TlsVerify, DescribesSeveralFailuresAtOnce) {
  EXPECT_EQ(net::detail::describe_verify_failure(
                MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_CN_MISMATCH, false),
            "certificate has expired; host name does not match the certificate");
  EXPECT_EQ(net::detail::describe_verify_failure(MBEDTLS_X509_BADCERT_FUTURE, false),
            "certificate is not valid yet");
  // A flag we have no words for falls back to mbedTLS's text, never to nothing.
  EXPECT_FALSE(net::detail::describe_verify_failure(MBEDTLS_X509_BADCRL_EXPIRED, false).empty());
}

}  // namespace

namespace {

// tls_fingerprint: the SHA-256 of the leaf's DER, taken from the PEM chain.
std::array<std::uint8_t, 32> leaf_sha256(const test_support::Credential& credential) {
  mbedtls_x509_crt chain;
  mbedtls_x509_crt_init(&chain);
  const int ret =
      mbedtls_x509_crt_parse(&chain, reinterpret_cast<const unsigned char*>(credential.chain_pem.c_str()),
                             credential.chain_pem.size() + 1);
  EXPECT_EQ(ret, 0);
  const auto digest =
      net::sha256(std::string_view(reinterpret_cast<const char*>(chain.raw.p), chain.raw.len));
  mbedtls_x509_crt_free(&chain);
  return digest;
}

TlsOptions pinned(bool verify, std::vector<std::array<std::uint8_t, 32>> pins) {
  TlsOptions options{"localhost", verify, pki().ca_file};
  options.sha256_pins = std::move(pins);
  return options;
}

TEST(TlsSessionPinning, AMatchingPinIsTheTrustEvenForASelfSignedCertificate) {
  for (bool verify : {true, false}) {
    EXPECT_TRUE(handshake_ok(pki().self_signed, pinned(verify, {leaf_sha256(pki().self_signed)})));
    EXPECT_TRUE(handshake_ok(pki().unknown_ca,
                             pinned(verify, {leaf_sha256(pki().good), leaf_sha256(pki().unknown_ca)})));
    // No host check either: the pin names the certificate.
    EXPECT_TRUE(handshake_ok(pki().wrong_host, pinned(verify, {leaf_sha256(pki().wrong_host)})));
  }
}

TEST(TlsSessionPinning, AMismatchFailsTheHandshakeEvenForAValidCertificate) {
  for (bool verify : {true, false}) {
    const std::string error = handshake_error(pki().good, pinned(verify, {leaf_sha256(pki().self_signed)}));
    EXPECT_NE(error.find("does not match tls_fingerprint"), std::string::npos) << error;
    EXPECT_NE(error.find(net::format_sha256_fingerprint(leaf_sha256(pki().good))), std::string::npos)
        << error;
  }
}

TEST(TlsSessionPinning, NoDataGoesOutAfterAMismatch) {
  TlsSession client = make_client(pinned(true, {leaf_sha256(pki().good)}));
  TlsTestServer server(pki().self_signed);
  ASSERT_FALSE(run_handshake(client, server).ok());
  EXPECT_FALSE(client.handshake_done());
  EXPECT_FALSE(client.write("PASS secret\r\n").ok());
}

}  // namespace
