#pragma once
// Parsing one POP3 reply line and classifying server errors.
//
//   status-line  = ("+OK" / "-ERR") [SP text]                      RFC 1939 §3
//   continuation = "+" [SP base64]                                  RFC 5034 §4
//   resp-code    = "[" resp-level *("/" resp-level) "]"             RFC 2449 §8
//   resp-level   = 1*<any CHAR except "/" and "]">
//
// Pure functions over a line the caller owns; nothing here keeps state or does
// I/O. Every string_view result points into the input line. A line that is
// neither "+OK" nor "-ERR" yields nullopt: the caller reports a protocol error.
// All text from the server is untrusted: quote it only through
// common::quote_untrusted() (ServerError::text already is).

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace pop3 {

// The response codes of RFC 2449 §8.1 and RFC 3206 that change what a client
// should do; anything else in brackets is Other.
enum class ResponseCode {
  None,        // no "[...]" at the start of the text
  Auth,        // [AUTH]: the credentials are wrong; retrying will not help
  SysTemp,     // [SYS/TEMP]: a temporary system problem; retry later
  SysPerm,     // [SYS/PERM]: a permanent system problem; do not retry without a human
  InUse,       // [IN-USE]: another session holds the mailbox lock; retry later
  LoginDelay,  // [LOGIN-DELAY]: logged in too recently; retry after the CAPA LOGIN-DELAY
  Other,       // a code we do not know (e.g. [UTF8])
};

// "AUTH", "SYS/TEMP", ..., "" for None, "other" for Other.
std::string_view to_string(ResponseCode code);

struct StatusLine {
  bool ok = false;        // "+OK" (true) or "-ERR" (false)
  std::string_view text;  // after the indicator and its space; untrusted
  ResponseCode code = ResponseCode::None;
};

// Parses "+OK ..." / "-ERR ...". The indicator is matched case-insensitively
// (RFC 1939 writes it in upper case, a few servers do not) and must be the
// whole line or be followed by a space.
std::optional<StatusLine> parse_status_line(std::string_view line);

// Parses a SASL continuation "+ <base64>" (or a bare "+", which some servers
// send for an empty challenge) and returns the base64 part. "+OK" is not a
// continuation.
std::optional<std::string_view> parse_continuation(std::string_view line);

// The response code at the start of a status text, if any.
ResponseCode parse_response_code(std::string_view text);

// A -ERR as the caller may keep it. What it means for retries is
// kind_for(code, ...) in events.hpp.
struct ServerError {
  ResponseCode code = ResponseCode::None;  // e.g. tells IN-USE from LOGIN-DELAY
  std::string text;  // the server's text, secrets redacted, sanitised and cut: safe to log
};

// The code and the text of `status`, `secrets` redacted from the text (see
// common::redact()).
ServerError to_server_error(const StatusLine& status, std::span<const std::string> secrets = {});

}  // namespace pop3
