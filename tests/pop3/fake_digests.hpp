#pragma once
// A Digests for tests: answers from a table of published test vectors
// (RFC 1939 §7 APOP, RFC 2195 CRAM-MD5) instead of computing MD5, so the
// engine's tests need no crypto library. An input missing from the table is
// counted in misses() and answered with zeros, which no server would accept.

#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "pop3/digests.hpp"

namespace pop3::testing {

// RFC 1939 §7: APOP mrose c4c9334bac560ecc979e58001b3e22fb
inline constexpr std::string_view kApopTimestamp = "<1896.697170952@dbc.mtview.ca.us>";
inline constexpr std::string_view kApopPassword = "tanstaaf";
inline constexpr std::string_view kApopDigest = "c4c9334bac560ecc979e58001b3e22fb";

// RFC 2195 §2: user "tim", password "tanstaaftanstaaf".
inline constexpr std::string_view kCramUser = "tim";
inline constexpr std::string_view kCramPassword = "tanstaaftanstaaf";
inline constexpr std::string_view kCramChallenge = "<1896.697170952@postoffice.reston.mci.net>";
inline constexpr std::string_view kCramChallengeBase64 =
    "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+";
inline constexpr std::string_view kCramResponse = "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw";

class FakeDigests : public Digests {
 public:
  FakeDigests();

  Md5Digest md5(std::string_view data) const override;
  Md5Digest hmac_md5(std::string_view key, std::string_view data) const override;

  // SCRAM: the hashes come from `real` (the tests that need them link the
  // mbedTLS-backed one) and the "random" bytes are `random`, so a nonce, and
  // with it a whole exchange, is the published one. Without this, SCRAM is
  // unavailable (Digests' defaults).
  void use_for_scram(const Digests* real, std::string random) {
    real_ = real;
    random_ = std::move(random);
  }
  std::string hash(ScramHash hash, std::string_view data) const override {
    return real_ ? real_->hash(hash, data) : std::string();
  }
  std::string hmac(ScramHash hash, std::string_view key, std::string_view data) const override {
    return real_ ? real_->hmac(hash, key, data) : std::string();
  }
  std::string pbkdf2(ScramHash hash, std::string_view password, std::string_view salt,
                     std::uint32_t iterations) const override {
    return real_ ? real_->pbkdf2(hash, password, salt, iterations) : std::string();
  }
  std::string random_bytes(std::size_t count) const override {
    return random_.size() == count ? random_ : std::string();
  }

  int misses() const { return misses_; }

 private:
  std::map<std::string, Md5Digest> md5_;
  std::map<std::pair<std::string, std::string>, Md5Digest> hmac_;
  mutable int misses_ = 0;
  const Digests* real_ = nullptr;
  std::string random_;
};

Md5Digest digest_from_hex(std::string_view hex);

}  // namespace pop3::testing
