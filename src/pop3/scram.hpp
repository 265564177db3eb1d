#pragma once
// The client side of SCRAM (RFC 5802; SCRAM-SHA-256: RFC 7677) without I/O
// and without channel binding ("n,," GS2 header): the messages as plain text
// (the caller base64-encodes them for POP3 AUTH, RFC 5034).
//
//   client-first  "n,,n=<user>,r=<client nonce>"
//   server-first  "r=<client nonce + server nonce>,s=<salt b64>,i=<count>"
//   client-final  "c=biws,r=<nonce>,p=<proof b64>"
//   server-final  "v=<server signature b64>" (or "e=<error>")
//
// The server signature is verified: a server-final that does not carry the
// signature computed from the password is refused (the server could not prove
// it knows the password). The password is used as its UTF-8 bytes: SASLprep
// (RFC 4013) is not applied, so a password that SASLprep would change (non-ASCII
// spaces, compatibility characters) does not match a server that applies it.
// Owns the user name, the nonce and the keys derived from the password, all
// wiped on destruction; the password itself is only borrowed in client_final().
// Errors: client_final() and verify_server_final() return a message naming
// what was wrong (never a secret); the caller ends the authentication.

#include <cstdint>
#include <string>
#include <string_view>

#include "pop3/digests.hpp"

namespace pop3 {

// A hostile server could ask for billions of PBKDF2 rounds to stall the
// daemon; servers use 4096 (RFC 7677's minimum) to a few hundred thousand.
inline constexpr std::uint32_t kMaxScramIterations = 1'000'000;

struct ScramStep {
  std::string message;  // the next client message when error is empty
  std::string error;    // why the exchange cannot go on
};

class ScramClient {
 public:
  // `client_nonce`: printable ASCII without ',' (see make_scram_nonce()).
  ScramClient(ScramHash hash, std::string_view username, std::string client_nonce, const Digests& digests);
  ~ScramClient();
  ScramClient(const ScramClient&) = delete;
  ScramClient& operator=(const ScramClient&) = delete;

  std::string client_first() const;
  // From the (decoded) server-first, the client-final with its proof.
  ScramStep client_final(std::string_view server_first, std::string_view password);
  // Empty on success (the signature matches); else the reason.
  std::string verify_server_final(std::string_view server_final) const;

  // "SCRAM-SHA-1" / "SCRAM-SHA-256".
  static std::string_view mechanism(ScramHash hash);

 private:
  ScramHash hash_;
  const Digests& digests_;
  std::string client_first_bare_;
  std::string nonce_;
  std::string server_signature_;  // expected, once client_final() succeeded
};

// A fresh client nonce: base64 of 18 random bytes; "" when no random bytes.
std::string make_scram_nonce(const Digests& digests);

// RFC 5802 §5.1 saslname: "=" as "=3D", "," as "=2C".
std::string scram_escape_username(std::string_view username);

}  // namespace pop3
