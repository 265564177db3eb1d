// The client certificate of net::TlsSession (tls_client_cert, tls_client_key)
// against an in-memory mbedTLS server that requires one.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "net/tls_session.hpp"
#include "net/tls_session_cache.hpp"
#include "support/temp_dir.hpp"
#include "support/test_pki.hpp"
#include "support/tls_test_server.hpp"

namespace {

using net::TlsOptions;
using net::TlsSession;
using test_support::ClientCertIssuer;
using test_support::TestPki;
using test_support::TlsTestServer;

const TestPki& pki() { return TestPki::instance(); }

class TlsClientCert : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = test_support::TempDir::create("popfetchd-client-cert-");
    ASSERT_TRUE(dir.ok()) << dir.error().message;
    dir_ = std::make_unique<test_support::TempDir>(std::move(*dir));
    alice_ = test_support::write_client_certificate(dir_->path(), "alice", "alice");
    bob_ = test_support::write_client_certificate(dir_->path(), "bob", "bob");
  }

  TlsOptions options(const test_support::ClientCertificateFiles* cert) const {
    TlsOptions result{"localhost", true, pki().ca_file};
    if (cert != nullptr) {
      result.client_cert = cert->cert_file;
      result.client_key = cert->key_file;
    }
    return result;
  }

  static TlsTestServer::Options requiring_client_cert() {
    TlsTestServer::Options server;
    server.client_ca_pem = pki().ca_pem;
    return server;
  }
  // The session tests: a TLS 1.2 session exists right after the handshake;
  // a TLS 1.3 one only once the server sends a ticket, which this test
  // server does not. The cache key they test is the same for both.
  static TlsTestServer::Options requiring_client_cert_over_tls12() {
    TlsTestServer::Options server = requiring_client_cert();
    server.tls12_only = true;
    return server;
  }

  std::unique_ptr<test_support::TempDir> dir_;
  test_support::ClientCertificateFiles alice_;
  test_support::ClientCertificateFiles bob_;
};

common::Status run_handshake(TlsSession& client, TlsTestServer& server) {
  for (int round = 0; round < 1000; ++round) {
    auto step = client.handshake();
    server.feed(client.take_ciphertext());
    if (!step) return step.error();
    server.handshake();
    client.feed_ciphertext(server.take());
    if (*step == TlsSession::Handshake::Done && server.handshake_done()) return {};
    if (server.failed()) {
      (void)client.handshake();  // let the client read the server's alert
      return common::make_error(common::ErrorKind::Tls, "the server refused the handshake");
    }
  }
  return common::make_error(common::ErrorKind::Tls, "handshake did not converge");
}

TEST_F(TlsClientCert, IsPresentedWhenTheServerAsks) {
  auto client = TlsSession::create(options(&alice_));
  ASSERT_TRUE(client.ok()) << client.error().message;
  TlsTestServer server(pki().good, requiring_client_cert());
  const auto result = run_handshake(*client, server);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(server.client_subject(), "CN=alice");
}

TEST_F(TlsClientCert, WithoutOneAServerThatRequiresItRefusesTheHandshake) {
  auto client = TlsSession::create(options(nullptr));
  ASSERT_TRUE(client.ok()) << client.error().message;
  TlsTestServer server(pki().good, requiring_client_cert());
  EXPECT_FALSE(run_handshake(*client, server).ok());
  EXPECT_FALSE(server.handshake_done());
}

TEST_F(TlsClientCert, OneFromAnotherCaIsRefusedByTheServer) {
  const auto stranger =
      test_support::write_client_certificate(dir_->path(), "stranger", "alice", ClientCertIssuer::OtherCa);
  auto client = TlsSession::create(options(&stranger));
  ASSERT_TRUE(client.ok()) << client.error().message;
  TlsTestServer server(pki().good, requiring_client_cert());
  EXPECT_FALSE(run_handshake(*client, server).ok());
  EXPECT_FALSE(server.handshake_done());
}

TEST_F(TlsClientCert, UnusableFilesAreConfigErrorsBeforeAnythingIsSent) {
  auto expect_config_error = [&](TlsOptions opts, const std::string& words) {
    auto created = TlsSession::create(opts);
    ASSERT_FALSE(created.ok());
    EXPECT_EQ(created.error().kind, common::ErrorKind::Config);
    EXPECT_NE(created.error().message.find(words), std::string::npos) << created.error().message;
  };
  TlsOptions mismatched = options(&alice_);
  mismatched.client_key = bob_.key_file;
  expect_config_error(mismatched, "is not the private key of the certificate");
  TlsOptions missing_cert = options(&alice_);
  missing_cert.client_cert = (dir_->path() / "nonexistent.pem").string();
  expect_config_error(missing_cert, "tls_client_cert");
  TlsOptions key_is_cert = options(&alice_);
  key_is_cert.client_key = alice_.cert_file;
  expect_config_error(key_is_cert, "tls_client_key");
  TlsOptions only_cert = options(&alice_);
  only_cert.client_key.clear();
  expect_config_error(only_cert, "both tls_client_cert and tls_client_key");
}

// The server asks for no certificate on resumption: a session authenticated
// with one certificate must never be resumed with another (or none).
TEST_F(TlsClientCert, AChangedCertificateIsNeverOfferedTheOldSession) {
  auto cache = std::make_shared<net::TlsSessionCache>();
  auto with_cache = [&](const test_support::ClientCertificateFiles* cert) {
    TlsOptions opts = options(cert);
    opts.session_cache = cache;
    return opts;
  };
  {
    auto client = TlsSession::create(with_cache(&alice_));
    ASSERT_TRUE(client.ok()) << client.error().message;
    TlsTestServer server(pki().good, requiring_client_cert_over_tls12());
    ASSERT_TRUE(run_handshake(*client, server).ok());
  }
  ASSERT_FALSE(cache->empty()) << "a good TLS 1.2 handshake leaves a session";
  ASSERT_TRUE(TlsSession::create(with_cache(&alice_)).ok());
  EXPECT_FALSE(cache->empty()) << "the same certificate may resume";
  ASSERT_TRUE(TlsSession::create(with_cache(&bob_)).ok());
  EXPECT_TRUE(cache->empty()) << "another certificate must not resume alice's session";
}

TEST_F(TlsClientCert, NoCertificateIsNeverOfferedASessionMadeWithOne) {
  auto cache = std::make_shared<net::TlsSessionCache>();
  TlsOptions opts = options(&alice_);
  opts.session_cache = cache;
  {
    auto client = TlsSession::create(opts);
    ASSERT_TRUE(client.ok()) << client.error().message;
    TlsTestServer server(pki().good, requiring_client_cert_over_tls12());
    ASSERT_TRUE(run_handshake(*client, server).ok());
  }
  ASSERT_FALSE(cache->empty()) << "a good TLS 1.2 handshake leaves a session";
  opts.client_cert.clear();
  opts.client_key.clear();
  ASSERT_TRUE(TlsSession::create(opts).ok());
  EXPECT_TRUE(cache->empty());
}

}  // namespace
