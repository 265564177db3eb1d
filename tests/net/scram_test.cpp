// SCRAM (pop3::ScramClient) computed with net::MbedDigests against the
// published exchanges: RFC 5802 §5 (SCRAM-SHA-1) and RFC 7677 §3
// (SCRAM-SHA-256), user "user", password "pencil"; and what a client must
// refuse from a server that cannot prove it knows the password.
#include "pop3/scram.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "net/mbed_digests.hpp"
#include "pop3/base64.hpp"

namespace {

using pop3::ScramClient;
using pop3::ScramHash;

struct Vector {
  ScramHash hash;
  const char* nonce;
  const char* server_first;
  const char* client_final;
  const char* server_final;
};

constexpr Vector kSha1{ScramHash::Sha1, "fyko+d2lbbFgONRv9qkxdawL",
                       "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
                       "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
                       "v=rmF9pqV8S7suAoZWja4dJRkFsKQ="};

constexpr Vector kSha256{
    ScramHash::Sha256, "rOprNGfwEbeRWgbNEkqO",
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+"
    "Ute9ytag9zjfMHgsqmmiz7AndVQ=",
    "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="};

class Scram : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = net::MbedDigests::create();
    ASSERT_TRUE(created);
    digests_ = std::move(*created);
  }
  std::unique_ptr<net::MbedDigests> digests_;
};

TEST_F(Scram, Rfc5802Sha1Exchange) {
  ScramClient client(kSha1.hash, "user", kSha1.nonce, *digests_);
  EXPECT_EQ(client.client_first(), "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL");
  const pop3::ScramStep step = client.client_final(kSha1.server_first, "pencil");
  ASSERT_EQ(step.error, "");
  EXPECT_EQ(step.message, kSha1.client_final);
  EXPECT_EQ(client.verify_server_final(kSha1.server_final), "");
}

TEST_F(Scram, Rfc7677Sha256Exchange) {
  ScramClient client(kSha256.hash, "user", kSha256.nonce, *digests_);
  EXPECT_EQ(client.client_first(), "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
  const pop3::ScramStep step = client.client_final(kSha256.server_first, "pencil");
  ASSERT_EQ(step.error, "");
  EXPECT_EQ(step.message, kSha256.client_final);
  EXPECT_EQ(client.verify_server_final(kSha256.server_final), "");
}

TEST_F(Scram, ForgedServerSignatureIsRefused) {
  for (const Vector& v : {kSha1, kSha256}) {
    ScramClient client(v.hash, "user", v.nonce, *digests_);
    ASSERT_EQ(client.client_final(v.server_first, "pencil").error, "");
    // What an impostor that does not know "pencil" can send: any other value.
    const std::string forged =
        "v=" + pop3::base64_encode(std::string(v.hash == ScramHash::Sha1 ? 20 : 32, 'x'));
    for (const std::string& bad : {forged, std::string("v="), std::string("x=1")}) {
      const std::string error = client.verify_server_final(bad);
      EXPECT_NE(error.find("could not prove it knows the password"), std::string::npos) << bad << error;
    }
    EXPECT_NE(client.verify_server_final("e=invalid-proof").find("invalid-proof"), std::string::npos);
  }
}

TEST_F(Scram, NoSignatureIsExpectedBeforeTheClientFinal) {
  ScramClient client(ScramHash::Sha256, "user", kSha256.nonce, *digests_);
  EXPECT_NE(client.verify_server_final(kSha256.server_final), "");
}

TEST_F(Scram, BadServerFirstMessagesAreRefused) {
  const std::pair<const char*, const char*> cases[] = {
      {"r=someoneelsesnonce,s=QSXCR+Q6sek8bf92,i=4096", "does not extend ours"},
      {"r=fyko+d2lbbFgONRv9qkxdawL,s=QSXCR+Q6sek8bf92,i=4096", "does not extend ours"},
      {"m=ext,r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92,i=4096", "extension"},
      {"r=fyko+d2lbbFgONRv9qkxdawLx,s=***,i=4096", "salt"},
      {"r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92,i=0", "iteration"},
      {"r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92,i=12x", "iteration"},
      {"r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92,i=4000000000", "iterations"},
      {"r=fyko+d2lbbFgONRv9qkxdawLx,i=4096", "malformed"},
  };
  for (const auto& [message, expected] : cases) {
    ScramClient client(ScramHash::Sha1, "user", kSha1.nonce, *digests_);
    const pop3::ScramStep step = client.client_final(message, "pencil");
    EXPECT_EQ(step.message, "") << message;
    EXPECT_NE(step.error.find(expected), std::string::npos) << message << ": " << step.error;
  }
}

TEST_F(Scram, UserNameIsEscaped) {
  EXPECT_EQ(pop3::scram_escape_username("a=b,c"), "a=3Db=2Cc");
  ScramClient client(ScramHash::Sha256, "a,b", "n0nce", *digests_);
  EXPECT_EQ(client.client_first(), "n,,n=a=2Cb,r=n0nce");
}

TEST_F(Scram, NoncesAreRandomAndPrintable) {
  const std::string a = pop3::make_scram_nonce(*digests_);
  const std::string b = pop3::make_scram_nonce(*digests_);
  EXPECT_EQ(a.size(), 24u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find(','), std::string::npos);
}

}  // namespace
