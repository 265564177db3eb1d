#pragma once
// POP3 commands (RFC 1939, 2449, 2595, 5034) as values: the line to send, a
// redacted trace for logs, and a CommandTag that stays behind in the
// in-flight queue to tell which reply belongs to which command and what shape
// that reply has.
//
// A Command owns its line, which may contain a secret (PASS, APOP, AUTH PLAIN
// initial response); the tag and the trace never do. Nothing here does I/O or
// fails: whether an argument is usable (no CR/LF/NUL) is checked by
// Protocol::send().

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace pop3 {

enum class CommandKind {
  Greeting,  // not a command: the server speaks first, its greeting is the first reply
  Capa,
  Stls,
  User,
  Pass,
  Apop,
  Auth,
  Stat,
  List,
  Uidl,
  Retr,
  Top,
  Dele,
  Noop,
  Rset,
  Quit,
  Utf8,  // RFC 6856
};

std::string_view to_string(CommandKind kind);  // "CAPA", "RETR", "greeting", ...

// How the server answers a command.
enum class ReplyShape {
  SingleLine,  // one status line
  Listing,     // status line, then on +OK text lines up to "." (CAPA, LIST, UIDL)
  Body,        // status line, then on +OK a message up to "." (RETR, TOP)
  Sasl,        // zero or more "+ challenge" lines, then one status line (AUTH)
};

struct CommandTag {
  CommandKind kind = CommandKind::Greeting;
  std::uint32_t msgno = 0;  // RETR/TOP/DELE, and LIST/UIDL with an argument (0: none)
  std::uint32_t lines = 0;  // TOP
  std::string mechanism;    // AUTH
  std::string trace;        // the line as sent, secrets as "***" ("" for the greeting)

  ReplyShape shape() const;
  // "RETR 3", "AUTH CRAM-MD5", "greeting": names the step in messages.
  std::string describe() const;
};

class Command {
 public:
  static Command greeting();
  static Command capa();
  static Command stls();
  static Command user(std::string_view name);
  static Command pass(std::string_view password);
  static Command apop(std::string_view name, std::string_view digest);
  // "AUTH mech" or, with an initial response, "AUTH mech response" (RFC 5034).
  static Command auth(std::string_view mechanism, std::string_view initial_response = {});
  static Command stat();
  static Command list(std::uint32_t msgno = 0);  // 0: the whole listing
  static Command uidl(std::uint32_t msgno = 0);
  static Command retr(std::uint32_t msgno);
  static Command top(std::uint32_t msgno, std::uint32_t lines);
  static Command dele(std::uint32_t msgno);
  static Command noop();
  static Command rset();
  static Command quit();
  static Command utf8();

  const CommandTag& tag() const { return tag_; }
  const std::string& line() const { return line_; }        // without CRLF; may hold a secret
  const std::string& trace() const { return tag_.trace; }  // the line with secrets replaced by "***"

 private:
  Command(CommandTag tag, std::string line, std::string trace)
      : tag_(std::move(tag)), line_(std::move(line)) {
    tag_.trace = std::move(trace);
  }
  static Command simple(CommandKind kind, std::uint32_t msgno = 0, std::uint32_t lines = 0);

  CommandTag tag_;
  std::string line_;
};

}  // namespace pop3
