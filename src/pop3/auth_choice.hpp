#pragma once
// Which mechanism a session uses to authenticate: the configured method
// (AuthMethod) against what the server offers (CAPA's SASL list, a greeting
// timestamp for APOP) and whether the connection is encrypted. A pure
// function over values; owns nothing, no I/O.
// Errors: AuthChoice::error, when the method cannot be used with this server
// (nothing has been sent; the caller fails with AuthUnavailable).

#include <optional>
#include <string>

#include "pop3/capabilities.hpp"

namespace pop3 {

enum class AuthMethod {
  Plain,        // AUTH PLAIN when listed, else USER/PASS
  CramMd5,      // AUTH CRAM-MD5 when listed, else APOP, else an error
  Login,        // AUTH LOGIN when listed, else an error
  ScramSha1,    // AUTH SCRAM-SHA-1 when listed, else an error
  ScramSha256,  // AUTH SCRAM-SHA-256 when listed, else an error
  XOAuth2,      // AUTH XOAUTH2 with the password as the access token; only when encrypted
  OAuthBearer,  // AUTH OAUTHBEARER (RFC 7628), likewise
  Auto,         // the strongest offered; clear-text ones only when encrypted
  External,     // AUTH EXTERNAL (RFC 4422 app. A): the TLS client certificate; only when encrypted
};

enum class Mechanism {
  SaslPlain,
  UserPass,
  SaslLogin,
  CramMd5,
  Apop,
  ScramSha1,
  ScramSha256,
  XOAuth2,
  OAuthBearer,
  External,
};

struct AuthChoice {
  std::optional<Mechanism> mechanism;  // set unless `error` is
  std::string notice;                  // a fallback worth telling the user about
  std::string error;
};

struct AuthContext {
  const Capabilities& capabilities;
  bool have_capa = false;       // the server answered CAPA
  bool have_timestamp = false;  // the greeting carries an APOP timestamp
  bool encrypted = false;       // TLS is in place (implicit or after STLS)
};

// Auto's order: SCRAM-SHA-256, SCRAM-SHA-1, CRAM-MD5, APOP; then, only when
// encrypted, PLAIN, LOGIN, USER/PASS. Auto never picks a bearer-token
// mechanism: the token is not a password. XOAUTH2 and OAUTHBEARER are refused
// on an unencrypted connection (a bearer token is as good as the password).
// EXTERNAL needs TLS too: the credential is the certificate of its handshake.
AuthChoice choose_auth(AuthMethod method, const AuthContext& context);

}  // namespace pop3
