#pragma once
// LmtpSession: the client side of one LMTP delivery (RFC 2033) as a pure
// state machine: bytes from the server in, bytes to send out, and the
// outcome. No sockets, no timers, no clock: LmtpTarget drives it over libuv,
// tests drive it with strings.
//
// The dialogue, one command at a time (no pipelining: one message, one
// recipient, nothing to gain):
//   <- 220 greeting     -> LHLO <client_name>
//   <- 250              -> MAIL FROM:<sender>        (<> when sender is "")
//   <- 250              -> RCPT TO:<recipient>
//   <- 250              -> DATA
//   <- 354              -> the message, CRLF, dot-stuffed, then "."
//   <- one reply for the one accepted recipient: the outcome
//                       -> QUIT (also after any refusal), then done
// A reply code 2xx there means Delivered, 4xx Temporary, 5xx Permanent; a
// refusal earlier in the dialogue gives the same mapping. Multi-line replies
// ("250-...") are read to their last line.
//
// Owns: the output not yet taken, one partial reply line (at most
// kMaxLmtpLineLength) and the text of one reply (bounded). Reads `message`
// (which must outlive the session) when DATA is accepted. Never fails: what
// goes wrong becomes the outcome, whose detail quotes the server's text
// sanitised to one line:
//   - the server closes before the final reply: Temporary (before the end of
//     data nothing was delivered; a drop after it leaves the message in doubt,
//     and a repeat beats a loss),
//   - a line that is not a reply, a code that changes inside a multi-line
//     reply, a line over the limit, more than kMaxLmtpReplyLines lines:
//     Permanent (that server does not speak LMTP: retrying will not help).
//   - an envelope address with characters that cannot go into a command:
//     Permanent, before anything is sent after the greeting.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "deliver/target.hpp"
#include "pop3/line_reader.hpp"

namespace deliver {

// RFC 5321 §4.5.3.1.5 says 512 octets per reply line; real servers stay far below.
inline constexpr std::size_t kMaxLmtpLineLength = 4096;
// A server that never ends a multi-line reply is cut off here.
inline constexpr std::size_t kMaxLmtpReplyLines = 128;

struct LmtpEnvelope {
  std::string client_name = "popfetchd";  // the LHLO argument
  std::string sender;                     // MAIL FROM; "" sends <>
  std::string recipient;                  // RCPT TO
};

class LmtpSession {
 public:
  // Waits for the greeting; nothing to send yet.
  LmtpSession(LmtpEnvelope envelope, std::string_view message);

  // Bytes from the server (any split).
  void receive(std::string_view bytes);
  // The server closed the connection.
  void receive_eof();
  // The transport failed (connect refused, timeout, reset): `detail` is ours,
  // one line. Sets a Temporary outcome unless one is known already; done.
  void connection_failed(std::string detail);

  // The bytes to send now (and forget them here).
  std::string take_output();

  // Nothing more to send or read: close the connection.
  bool done() const { return done_; }
  // Known once the final reply (or a refusal, or a failure) arrived; may be
  // set before done() (QUIT still on its way).
  const std::optional<Outcome>& outcome() const { return outcome_; }

 private:
  enum class Step { Greeting, Lhlo, MailFrom, RcptTo, Data, EndOfData, Quit };

  void handle_line(std::string_view line);
  void handle_reply(int code);
  void advance(int code);
  void refused(int code, std::string_view what);
  void violation(std::string message);
  void send(std::string line);
  void quit();
  void finish(Verdict verdict, std::string detail);

  LmtpEnvelope envelope_;
  std::string_view message_;
  pop3::LineReader lines_{kMaxLmtpLineLength};
  std::string output_;
  std::string reply_text_;  // the lines' texts so far, joined by spaces, bounded
  int reply_code_ = 0;      // of the reply in progress; 0 between replies
  std::size_t reply_lines_ = 0;
  Step step_ = Step::Greeting;
  std::optional<Outcome> outcome_;
  bool done_ = false;
};

}  // namespace deliver
