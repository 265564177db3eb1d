// The Session's authentication exchanges: the first command of each
// mechanism, the answers to SASL challenges (RFC 5034) and the check that a
// SCRAM server proved it knows the password before its +OK is believed, and
// the bearer-token mechanisms (XOAUTH2, OAUTHBEARER: RFC 7628) and EXTERNAL.
#include "common/sanitize.hpp"
#include "pop3/auth.hpp"
#include "pop3/base64.hpp"
#include "pop3/limits.hpp"
#include "pop3/session.hpp"

namespace pop3 {

void Session::send_auth(Mechanism mechanism) {
  switch (mechanism) {
    case Mechanism::SaslPlain: {
      const std::string response = sasl_plain_response(options_.username, options_.password.reveal());
      // RFC 5034 §4: "AUTH PLAIN <response>" CRLF must fit in 255 octets.
      const std::size_t length = std::string_view("AUTH PLAIN ").size() + response.size() + 2;
      if (length <= kMaxAuthCommandLength) {
        auth_.responses = 1;
        return send(Command::auth("PLAIN", response));
      }
      return send(Command::auth("PLAIN"));
    }
    case Mechanism::UserPass:
      send(Command::user(options_.username));
      if (pipelining_known_on()) {
        auth_.pass_sent = true;
        send(Command::pass(options_.password.reveal()));
      }
      return;
    case Mechanism::SaslLogin:
      return send(Command::auth("LOGIN"));
    case Mechanism::CramMd5:
      return send(Command::auth("CRAM-MD5"));
    case Mechanism::Apop:
      return send(
          Command::apop(options_.username, apop_digest(*apop_timestamp_, options_.password.reveal(), digests_)));
    case Mechanism::ScramSha1:
      return start_scram(ScramHash::Sha1);
    case Mechanism::ScramSha256:
      return start_scram(ScramHash::Sha256);
    case Mechanism::XOAuth2:
    case Mechanism::OAuthBearer:
      return start_bearer(mechanism);
    case Mechanism::External:
      // RFC 4422 appendix A: the message is the authorization identity, and
      // an empty one means "the identity of the certificate". We never name a
      // user: Dovecot takes a non-empty one for a master-user login as someone
      // else. "=" is the empty initial response (RFC 5034 §4).
      auth_.responses = 1;
      return send(Command::auth("EXTERNAL", "="));
  }
}

std::string Session::bearer_message(std::string_view mechanism) const {
  if (mechanism == "XOAUTH2") return xoauth2_message(options_.username, options_.password.reveal());
  return oauthbearer_message(options_.username, options_.host, options_.port, options_.password.reveal());
}

void Session::start_bearer(Mechanism mechanism) {
  const std::string_view name = mechanism == Mechanism::XOAuth2 ? "XOAUTH2" : "OAUTHBEARER";
  std::string message = bearer_message(name);
  std::string response = base64_encode(message);
  common::wipe_secret(message);
  // Access tokens are often longer than AUTH's 255 octets (Microsoft's run to
  // well over a thousand): then the message answers the server's empty "+".
  if (std::string_view("AUTH ").size() + name.size() + 1 + response.size() + 2 <= kMaxAuthCommandLength) {
    auth_.responses = 1;
    send(Command::auth(name, response));
  } else {
    send(Command::auth(name));
  }
  common::wipe_secret(response);
}

// The empty "+" before the message (when it did not fit the command), or the
// server's error challenge after it: that one is answered as the mechanism
// says, and its JSON kept for the -ERR that follows.
std::optional<std::string> Session::bearer_response(const ContinuationReply& challenge) {
  const std::string& mechanism = challenge.command.mechanism;
  if (auth_.responses == 0) {
    std::string message = bearer_message(mechanism);
    std::string response = base64_encode(message);
    common::wipe_secret(message);
    return response;
  }
  if (auth_.responses > 1) {
    fail(SessionErrorKind::Protocol, "unexpected further SASL challenge to " + challenge.command.describe() +
                                         ": '" + protocol_.quote(challenge.payload) + "'");
    return std::nullopt;
  }
  const std::optional<std::string> decoded = base64_decode(challenge.payload);
  auth_.bearer_error = protocol_.quote(decoded ? *decoded : challenge.payload);
  if (mechanism == "XOAUTH2") return std::string();
  return base64_encode("\x01");  // RFC 7628 §3.2.3: a lone %x01 ends the failed exchange
}

void Session::start_scram(ScramHash hash) {
  std::string nonce = make_scram_nonce(digests_);
  if (nonce.empty()) {
    return fail(SessionErrorKind::Usage, "no random bytes for a SCRAM nonce; the password was not used");
  }
  scram_ = std::make_unique<ScramClient>(hash, options_.username, std::move(nonce), digests_);
  // The client-first message goes out as the initial response (RFC 5034 §4):
  // it holds the user name and the nonce, no secret, and saves a round trip.
  const std::string first = base64_encode(scram_->client_first());
  const std::string_view mechanism = ScramClient::mechanism(hash);
  if (std::string_view("AUTH ").size() + mechanism.size() + 1 + first.size() + 2 > kMaxAuthCommandLength) {
    return fail(SessionErrorKind::Usage, "the user name is too long for SCRAM's initial response");
  }
  auth_.responses = 1;
  send(Command::auth(mechanism, first));
}

void Session::answer_challenge(const ContinuationReply& challenge) {
  std::optional<std::string> response = sasl_response(challenge);
  if (!response) return;  // sasl_response() failed the session
  ++auth_.responses;
  const bool written = protocol_.send_sasl_response(*response);
  common::wipe_secret(*response);
  if (!written) return fail(SessionErrorKind::Usage, "could not answer the SASL challenge");
  emit(CommandSent{"*** (" + challenge.command.describe() + " response)"});
}

// The answer to one challenge, or nullopt after failing the session.
std::optional<std::string> Session::sasl_response(const ContinuationReply& challenge) {
  const std::string& mechanism = challenge.command.mechanism;
  if (mechanism.starts_with("SCRAM-")) return scram_response(challenge);
  if (mechanism == "XOAUTH2" || mechanism == "OAUTHBEARER") return bearer_response(challenge);
  // LOGIN asks for the user name, then the password (whatever its prompts
  // say: servers word them differently); PLAIN and CRAM-MD5 take one answer;
  // EXTERNAL's one (empty) answer went out with the command.
  const std::size_t answers = mechanism == "LOGIN" ? 2 : 1;
  if (auth_.responses >= answers) {
    fail(SessionErrorKind::Protocol, "unexpected further SASL challenge to " + challenge.command.describe() +
                                         ": '" + protocol_.quote(challenge.payload) + "'");
    return std::nullopt;
  }
  if (mechanism == "PLAIN") return sasl_plain_response(options_.username, options_.password.reveal());
  if (mechanism == "LOGIN") {
    return base64_encode(auth_.responses == 0 ? std::string_view(options_.username) : options_.password.reveal());
  }
  if (mechanism == "CRAM-MD5") {
    const std::optional<std::string> decoded = base64_decode(challenge.payload);
    if (!decoded || decoded->empty()) {
      fail(SessionErrorKind::Protocol,
           "bad CRAM-MD5 challenge: '" + protocol_.quote(challenge.payload) + "'");
      return std::nullopt;
    }
    return cram_md5_response(options_.username, options_.password.reveal(), *decoded, digests_);
  }
  fail_unexpected(challenge);
  return std::nullopt;
}

// After the initial response: the server-first gets the client-final; the
// server-final is verified and acknowledged with an empty response.
std::optional<std::string> Session::scram_response(const ContinuationReply& challenge) {
  const std::string what = challenge.command.mechanism;
  const std::optional<std::string> decoded = base64_decode(challenge.payload);
  if (!scram_ || !decoded || auth_.responses > 2) {
    fail(SessionErrorKind::Protocol,
         "unexpected " + what + " challenge: '" + protocol_.quote(challenge.payload) + "'");
    return std::nullopt;
  }
  if (auth_.responses == 1) {
    ScramStep step = scram_->client_final(*decoded, options_.password.reveal());
    if (!step.error.empty()) {
      fail(SessionErrorKind::Protocol, what + ": " + step.error);
      return std::nullopt;
    }
    return base64_encode(step.message);
  }
  if (std::string error = scram_->verify_server_final(*decoded); !error.empty()) {
    fail(SessionErrorKind::Auth, what + ": " + error + "; not logging in");
    return std::nullopt;
  }
  auth_.server_verified = true;
  return std::string();
}

// A +OK to AUTH SCRAM-* counts only once the server's signature was checked.
bool Session::auth_proven(const StatusReply& reply) {
  if (!reply.command.mechanism.starts_with("SCRAM-") || auth_.server_verified) return true;
  fail(SessionErrorKind::Auth, reply.command.mechanism +
                                   ": the server accepted the login without sending its signature, so it "
                                   "did not prove it knows the password; not going on");
  return false;
}

}  // namespace pop3
