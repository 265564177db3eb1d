#pragma once
// Protocol: the command/reply layer of a POP3 client, without I/O. It writes
// commands into an output buffer, remembers which commands are in flight (in
// order: POP3 answers strictly in order, also when pipelined, RFC 2449 §6.6),
// and cuts the server's bytes into replies for them: status lines, SASL
// continuations, listing lines and streamed message bodies.
//
// It owns: the output not yet taken, the tags of commands in flight (never a
// secret), the forms of the password to redact, one partial reply line
// (<= kMaxReplyLineLength), the decoder state of one body (bodies are
// streamed whatever their line length), and the replies not yet fetched with
// next() (bounded by the input of one receive()). It never interprets replies beyond their framing:
// what a -ERR means is for the caller (the Session, or a test).
//
// Errors: anything the server does that breaks framing or ordering becomes a
// ViolationReply and the Protocol stops (failed() is then true, the output is
// dropped, further input is ignored):
//  - a line that is not "+OK"/"-ERR" (or "+ " where SASL allows it),
//  - a reply line over kMaxReplyLineLength,
//  - bytes while no command is on the wire (a reply to a command we never sent,
//    or sent before we handed the command out with take_output()),
//  - bytes after the "+OK" to STLS before resume_after_tls() (CVE-2011-0411:
//    a man in the middle appends commands' replies in plaintext),
//  - a reply after a SASL challenge before our response went out.
// Our own misuse (an argument with CR/LF/NUL, sending while failed or waiting
// for TLS) makes send() return false and changes nothing.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/sanitize.hpp"
#include "pop3/command.hpp"
#include "pop3/line_reader.hpp"
#include "pop3/multiline.hpp"
#include "pop3/reply.hpp"

namespace pop3 {

// The status line of a reply. `complete` is true when the command is finished
// with it (single-line replies, every -ERR); otherwise lines or body follow.
struct StatusReply {
  CommandTag command;
  bool ok = false;
  std::string text;  // untrusted, raw (bounded by kMaxReplyLineLength)
  ResponseCode code = ResponseCode::None;
  bool complete = true;
  std::size_t outstanding = 1;  // commands on the wire when it arrived, this one included

  StatusLine status() const { return StatusLine{ok, text, code}; }
  ServerError error(std::span<const std::string> secrets = {}) const {
    return to_server_error(status(), secrets);
  }
};

// "+ <base64>" to AUTH: the caller must answer with send_sasl_response().
struct ContinuationReply {
  CommandTag command;
  std::string payload;  // base64 text, untrusted
};

// One line of a CAPA/LIST/UIDL listing, dot-unstuffed; untrusted. A "." line
// that does not end the listing (see LineEnd) arrives as ".".
struct LineReply {
  CommandTag command;
  std::string line;
};

// Part of a RETR/TOP body, decoded (see BodyDecoder).
struct BodyChunkReply {
  CommandTag command;
  std::string data;
};

// The "." ending a listing or a body.
struct EndReply {
  CommandTag command;
};

struct ViolationReply {
  std::string message;             // one line, server text sanitised
  bool during_pipelining = false;  // several commands were on the wire
};

using Reply =
    std::variant<StatusReply, ContinuationReply, LineReply, BodyChunkReply, EndReply, ViolationReply>;

class Protocol {
 public:
  // A new connection: the server's greeting is the first reply expected.
  Protocol();

  // Writes the command into the output and queues its tag. False (and nothing
  // written) when the line contains CR, LF or NUL, or the protocol has failed
  // or waits for TLS.
  [[nodiscard]] bool send(const Command& command);

  // Answers the SASL challenge just received. False unless a ContinuationReply
  // is waiting for an answer, or when the response contains CR, LF or NUL.
  [[nodiscard]] bool send_sasl_response(std::string_view response);

  // Bytes from the server. Replies are then available from next().
  void receive(std::string_view bytes);

  std::optional<Reply> next();

  // The bytes to send. From now on the commands in them count as on the wire.
  std::string take_output();

  // The caller gives up on this connection: drop the output not yet taken
  // (it may hold a secret) and ignore all further input.
  void abandon();

  // Forms of the password (auth.hpp's password_forms()): redacted from any
  // server text this Protocol or its user quotes, until wipe_secrets().
  void set_secrets(std::vector<std::string> secrets) { secrets_ = std::move(secrets); }
  void wipe_secrets();
  std::span<const std::string> secrets() const { return secrets_; }
  // Server text as it may go into a message: secrets redacted, sanitised, cut.
  std::string quote(std::string_view untrusted, std::size_t max_length = common::kMaxQuotedServerText) const;

  // After the "+OK" to STLS the protocol accepts no input until the caller
  // has put TLS in place and says so here.
  void resume_after_tls();

  bool failed() const { return failed_; }
  bool awaiting_tls() const { return awaiting_tls_; }
  // Commands whose reply has not fully arrived (written, or on the wire).
  std::size_t in_flight() const { return in_flight_.size(); }
  // Of those, the ones handed out with take_output().
  std::size_t on_wire() const { return on_wire_; }
  // The command whose reply comes next, if any (the greeting before it arrived).
  const CommandTag* current() const { return in_flight_.empty() ? nullptr : &in_flight_.front(); }
  // True when part of the current reply has arrived but not all of it.
  bool reply_in_progress() const;
  // Bytes held for partial input (line or body decoder): bounded by the limits.
  std::size_t buffered_bytes() const { return lines_.buffered() + body_.buffered(); }
  std::size_t pending_replies() const { return replies_.size(); }

 private:
  enum class Phase { Status, Listing, Body };
  enum class Sasl { Idle, AwaitingResponse, ResponseWritten };

  // Each consumes a prefix of `input` and returns how much; sets failed_ on a violation.
  std::size_t read_status(std::string_view input);
  std::size_t read_listing(std::string_view input);
  std::size_t read_body(std::string_view input);
  void finish_command();
  void violate(std::string message);

  std::vector<std::string> secrets_;
  std::deque<CommandTag> in_flight_;
  std::size_t on_wire_ = 0;  // the first on_wire_ entries of in_flight_ were taken
  std::string output_;
  std::deque<Reply> replies_;
  LineReader lines_;
  BodyDecoder body_;
  Phase phase_ = Phase::Status;
  LineEnd line_end_ = LineEnd::Crlf;  // set by the greeting
  bool previous_crlf_ = true;         // the last listing line (or status line) ended with CRLF
  Sasl sasl_ = Sasl::Idle;
  bool awaiting_tls_ = false;
  bool failed_ = false;
};

}  // namespace pop3
