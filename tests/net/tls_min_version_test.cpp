// TlsOptions::min_version (the account's tls_min_version) against the
// in-memory mbedTLS server: TLS 1.3 is what a build with mbedTLS 3.x
// negotiates, 1.3 as the minimum refuses a server stuck at 1.2, and a build
// without TLS 1.3 refuses the option up front.

#include <gtest/gtest.h>
#include <mbedtls/ssl.h>
#include <mbedtls/version.h>

#include <string>

#include "net/tls_session.hpp"
#include "support/test_pki.hpp"
#include "support/tls_test_server.hpp"

namespace {

using net::TlsOptions;
using net::TlsSession;
using net::TlsVersion;
using test_support::TestPki;
using test_support::TlsTestServer;

#if defined(MBEDTLS_SSL_PROTO_TLS1_3) && MBEDTLS_VERSION_NUMBER >= 0x03020000
constexpr bool kHasTls13 = true;
#else
constexpr bool kHasTls13 = false;
#endif

const TestPki& pki() { return TestPki::instance(); }

TlsOptions verifying(TlsVersion min_version) {
  TlsOptions options{"localhost", true, pki().ca_file};
  options.min_version = min_version;
  return options;
}

// Pumps bytes both ways until both sides finished or one failed.
common::Status run_handshake(TlsSession& client, TlsTestServer& server) {
  for (int round = 0; round < 1000; ++round) {
    auto step = client.handshake();
    server.feed(client.take_ciphertext());
    if (!step) return step.error();
    server.handshake();
    const std::string to_client = server.take();
    client.feed_ciphertext(to_client);
    if (*step == TlsSession::Handshake::Done && server.handshake_done() && to_client.empty()) return {};
    if (server.failed() && to_client.empty() && *step == TlsSession::Handshake::NeedMore) {
      return common::make_error(common::ErrorKind::Tls, "server failed, client still waiting");
    }
  }
  return common::make_error(common::ErrorKind::Tls, "handshake did not converge");
}

TEST(TlsMinVersion, DefaultNegotiatesTheNewestVersionWithAVerifiedCertificate) {
  auto client = TlsSession::create(verifying(TlsVersion::Tls1_2));
  ASSERT_TRUE(client.ok()) << client.error().message;
  TlsTestServer server(pki().good);
  ASSERT_TRUE(run_handshake(*client, server).ok());
  EXPECT_EQ(client->info().version, kHasTls13 ? "TLSv1.3" : "TLSv1.2")
      << "mbedTLS " << MBEDTLS_VERSION_STRING;
}

TEST(TlsMinVersion, Tls13MinimumNegotiatesTls13) {
  if (!kHasTls13) GTEST_SKIP() << "mbedTLS " << MBEDTLS_VERSION_STRING << " has no TLS 1.3";
  auto client = TlsSession::create(verifying(TlsVersion::Tls1_3));
  ASSERT_TRUE(client.ok()) << client.error().message;
  TlsTestServer server(pki().good);
  ASSERT_TRUE(run_handshake(*client, server).ok());
  EXPECT_EQ(client->info().version, "TLSv1.3");
}

TEST(TlsMinVersion, Tls13MinimumRefusesATls12OnlyServer) {
  if (!kHasTls13) GTEST_SKIP() << "mbedTLS " << MBEDTLS_VERSION_STRING << " has no TLS 1.3";
  // The same server is fine for the default minimum.
  {
    auto client = TlsSession::create(verifying(TlsVersion::Tls1_2));
    ASSERT_TRUE(client.ok());
    TlsTestServer server(pki().good, TlsTestServer::Options{false, true});
    ASSERT_TRUE(run_handshake(*client, server).ok());
    EXPECT_EQ(client->info().version, "TLSv1.2");
  }
  auto client = TlsSession::create(verifying(TlsVersion::Tls1_3));
  ASSERT_TRUE(client.ok());
  TlsTestServer server(pki().good, TlsTestServer::Options{false, true});
  auto result = run_handshake(*client, server);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, common::ErrorKind::Tls);
  EXPECT_NE(result.error().message.find("TLS 1.3"), std::string::npos) << result.error().message;
  EXPECT_FALSE(client->write("USER x\r\n").ok());
}

TEST(TlsMinVersion, Tls13MinimumIsAConfigErrorWithoutTls13) {
  if (kHasTls13) GTEST_SKIP() << "mbedTLS " << MBEDTLS_VERSION_STRING << " has TLS 1.3";
  auto client = TlsSession::create(verifying(TlsVersion::Tls1_3));
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().kind, common::ErrorKind::Config);
  EXPECT_EQ(client.error().message, "tls_min_version 1.3 needs TLS 1.3, which this build's mbedTLS " +
                                        std::string(MBEDTLS_VERSION_STRING) + " lacks");
}

}  // namespace
