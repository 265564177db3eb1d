#pragma once
// The credentials computations of POP3 authentication, without I/O:
//  - SASL PLAIN initial response (RFC 4616): base64("" NUL user NUL password);
//  - CRAM-MD5 response (RFC 2195): base64(user SP hex(HMAC-MD5(password, challenge)));
//  - APOP digest (RFC 1939 §7): hex(MD5(timestamp password));
//  - the APOP timestamp in a greeting (RFC 1939 §7: a msg-id "<...@...>");
//  - the bearer-token messages of XOAUTH2 (Google's, also Microsoft's) and
//    OAUTHBEARER (RFC 7628), unencoded.
// The hashes come from a Digests the caller supplies. These functions own
// nothing; their results contain secrets (or values derived from them), so
// callers must never log them. They cannot fail, except that there may be no
// timestamp (nullopt).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pop3/digests.hpp"

namespace pop3 {

// Lower-case hexadecimal, as APOP and CRAM-MD5 require.
std::string to_lower_hex(const Md5Digest& digest);

// The base64 initial response for "AUTH PLAIN" (empty authorisation identity).
std::string sasl_plain_response(std::string_view username, std::string_view password);

// The base64 response to a CRAM-MD5 challenge; `challenge` is already base64-decoded.
std::string cram_md5_response(std::string_view username, std::string_view password,
                              std::string_view challenge, const Digests& digests);

// The digest argument of "APOP name digest"; `timestamp` includes its angle brackets.
std::string apop_digest(std::string_view timestamp, std::string_view password, const Digests& digests);

// XOAUTH2: "user=<user>\x01auth=Bearer <token>\x01\x01" (the caller base64-encodes it).
std::string xoauth2_message(std::string_view username, std::string_view token);

// OAUTHBEARER (RFC 7628 §3.1): "n,a=<user>,\x01host=<host>\x01port=<port>\x01auth=Bearer
// <token>\x01\x01"; the user name escaped as a saslname ("=" as "=3D", "," as "=2C").
std::string oauthbearer_message(std::string_view username, std::string_view host, std::uint16_t port,
                                std::string_view token);

// Every form in which the password could come back in server text, for
// common::redact(): as is; its base64, whole and as the part that depends on
// the password alone at each of the three alignments it can have inside a
// longer base64 string (parts under 4 characters are left out: they match
// too much to mean anything); and the SASL PLAIN initial responses. A
// secret: wipe it with common::wipe_secret().
std::vector<std::string> password_forms(std::string_view username, std::string_view password);

// The first "<...>" in a greeting text that looks like a msg-id: it contains
// "@", and only printable ASCII without spaces or further angle brackets.
std::optional<std::string> greeting_timestamp(std::string_view greeting_text);

}  // namespace pop3
