#pragma once
// What a server says it can do, from its CAPA reply (RFC 2449 §5, §6):
//
//   capa-resp = *(capability CRLF) "." CRLF
//   capability = capa-tag *(SP param)        capa-tag is case-insensitive
//
// A plain value type: owns its few strings, each bounded (a CAPA line is at
// most kMaxReplyLineLength, the SASL list at most kMaxSaslMechanisms names),
// does no I/O and never fails: unknown capabilities and malformed parameters
// are ignored, as RFC 2449 asks clients to do. Strings are untrusted server
// text; `implementation` is stored sanitised.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pop3 {

struct Capabilities {
  bool stls = false;                                 // STLS (RFC 2595)
  bool user = false;                                 // USER/PASS allowed
  bool pipelining = false;                           // PIPELINING
  bool uidl = false;                                 // UIDL
  bool top = false;                                  // TOP
  bool resp_codes = false;                           // RESP-CODES: [CODE]s in -ERR are meaningful
  bool auth_resp_code = false;                       // AUTH-RESP-CODE (RFC 3206)
  bool login_delay = false;                          // LOGIN-DELAY
  std::optional<std::uint32_t> login_delay_seconds;  // its minimum delay, when given
  bool expire = false;                               // EXPIRE
  bool utf8 = false;                                 // UTF8 (RFC 6856), with or without "USER"
  std::string expire_policy;      // its parameter as sent ("NEVER", "30", "0 USER"), sanitised
  std::string implementation;     // IMPLEMENTATION text, sanitised
  std::vector<std::string> sasl;  // SASL mechanisms, upper-cased, in the server's order

  // Case-insensitive: has_sasl("plain") finds "PLAIN".
  bool has_sasl(std::string_view mechanism) const;

  // Adds one (already unstuffed) line of a CAPA reply.
  void add_line(std::string_view line);

  // "STLS USER SASL(PLAIN CRAM-MD5) PIPELINING ..." for debug logs.
  std::string summary() const;
};

}  // namespace pop3
