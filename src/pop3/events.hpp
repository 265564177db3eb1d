#pragma once
// What a Session reports to its driver: the events of a fetch session and the
// terminal SessionError. Plain values; every string in them is either ours or
// server text that was validated (UIDLs) or sanitised (texts, messages). No
// event ever carries a password or a value derived from it.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "pop3/capabilities.hpp"
#include "pop3/reply.hpp"

namespace pop3 {

enum class SessionErrorKind {
  Protocol,          // the server broke the protocol: bad or unexpected reply, over-long line,
                     // bad listing entry, data with nothing outstanding, bytes after STLS's +OK
  Auth,              // credentials rejected (-ERR to USER/PASS/AUTH/APOP, or [AUTH])
  TempFail,          // [SYS/TEMP], [IN-USE], [LOGIN-DELAY]: try again later
  PermFail,          // [SYS/PERM]
  TlsRequired,       // STLS required but not offered, or refused
  AuthUnavailable,   // cram-md5 asked for, but the server offers neither CRAM-MD5 nor APOP
  ConnectionClosed,  // the server closed the connection before QUIT's reply
  GreetingRejected,  // the greeting was -ERR
  CommandRejected,   // -ERR without a telling code to a command the session needs (LIST, QUIT)
  Usage,             // the driver misused the API or gave unusable options (e.g. a user name
                     // with a line break); nothing unsafe was sent
};

std::string_view to_string(SessionErrorKind kind);

// What a -ERR with `code` means for the session: [AUTH] is Auth; [SYS/TEMP],
// [IN-USE] and [LOGIN-DELAY] are TempFail; [SYS/PERM] is PermFail; no code,
// or one without a meaning for retries: the context decides (`fallback`).
SessionErrorKind kind_for(ResponseCode code, SessionErrorKind fallback);

struct SessionError {
  SessionErrorKind kind = SessionErrorKind::Protocol;
  std::string message;                     // one line: which step failed and the server's text, sanitised
  ResponseCode code = ResponseCode::None;  // the server's response code, when there was one
  // Several commands were in flight when it happened: a server with broken
  // PIPELINING looks like this, and the driver may retry with pipelining off.
  bool during_pipelining = false;
};

// The server accepted STLS: the driver must run the TLS handshake on the
// connection, then call Session::tls_established().
struct StartTls {};

// Something worth a log line (e.g. continuing without TLS by policy).
struct Notice {
  std::string text;
};

// A command went into the output (for debug traces); secrets are "***".
struct CommandSent {
  std::string text;
};

struct Authenticated {
  Capabilities capabilities;  // from the CAPA after authentication, else the one before
  bool pipelining = false;    // whether the session pipelines from now on
};

// One line of LIST, streamed.
struct ListEntry {
  std::uint32_t msgno = 0;
  std::uint64_t size = 0;
};

// One line of UIDL, streamed; `uidl` has 1..kMaxUidlLength chars in 0x21..0x7E.
struct UidlEntry {
  std::uint32_t msgno = 0;
  std::string uidl;
};

// LIST (and UIDL, when wanted) is complete; the driver may now retrieve,
// remove and quit. have_uidl is false when UIDL was not wanted or got -ERR.
struct ListingDone {
  bool have_uidl = false;
};

// RETR and TOP replies produce the same events; `top` tells them apart.
struct MessageBegin {
  std::uint32_t msgno = 0;
  bool top = false;  // the reply to TOP, not RETR
};

// Part of a message: dot-unstuffed, CRLF line ends, any bytes (8-bit, NUL).
// `chunk` stays valid until the next call into the Session.
struct MessageData {
  std::uint32_t msgno = 0;
  std::string_view chunk;
  bool top = false;  // the reply to TOP, not RETR
};

// The message is complete (its terminating ".CRLF" is not part of the data).
struct MessageEnd {
  std::uint32_t msgno = 0;
  bool top = false;  // the reply to TOP, not RETR
};

// The server answered -ERR to RETR or TOP (nothing of the message arrived).
// The session goes on with the other messages.
struct MessageFailed {
  std::uint32_t msgno = 0;
  std::string reason;                       // "server refused RETR: " and the server's text
  std::optional<ServerError> server_error;  // the -ERR
  bool top = false;                         // the reply to TOP, not RETR
};

struct Deleted {
  std::uint32_t msgno = 0;
};

struct DeleteFailed {
  std::uint32_t msgno = 0;
  ServerError error;
};

// "+OK" to QUIT: the server has committed the deletions. Terminal.
struct Closed {};

// Terminal: nothing more will happen in this session.
struct Failed {
  SessionError error;
};

using Event =
    std::variant<StartTls, Notice, CommandSent, Authenticated, ListEntry, UidlEntry, ListingDone,
                 MessageBegin, MessageData, MessageEnd, MessageFailed, Deleted, DeleteFailed, Closed, Failed>;

}  // namespace pop3
