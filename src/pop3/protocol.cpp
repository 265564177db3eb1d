#include "pop3/protocol.hpp"

#include <utility>

#include "pop3/text.hpp"

namespace pop3 {
namespace {

// How much of unexpected server bytes to quote in a message.
constexpr std::size_t kQuotedUnexpectedBytes = 60;

}  // namespace

Protocol::Protocol() {
  in_flight_.push_back(Command::greeting().tag());
  on_wire_ = 1;  // the server speaks first
}

bool Protocol::send(const Command& command) {
  if (failed_ || awaiting_tls_ || has_line_break_or_nul(command.line())) return false;
  output_ += command.line();
  output_ += "\r\n";
  in_flight_.push_back(command.tag());
  return true;
}

bool Protocol::send_sasl_response(std::string_view response) {
  if (failed_ || sasl_ != Sasl::AwaitingResponse || has_line_break_or_nul(response)) return false;
  output_ += response;
  output_ += "\r\n";
  sasl_ = Sasl::ResponseWritten;
  return true;
}

std::string Protocol::take_output() {
  on_wire_ = in_flight_.size();
  if (sasl_ == Sasl::ResponseWritten) sasl_ = Sasl::Idle;
  return std::exchange(output_, {});
}

void Protocol::wipe_secrets() {
  for (std::string& secret : secrets_) common::wipe_secret(secret);
  secrets_.clear();
}

std::string Protocol::quote(std::string_view untrusted, std::size_t max_length) const {
  return common::quote_untrusted(untrusted, secrets_, max_length);
}

void Protocol::resume_after_tls() { awaiting_tls_ = false; }

void Protocol::abandon() {
  failed_ = true;
  output_.clear();
}

std::optional<Reply> Protocol::next() {
  if (replies_.empty()) return std::nullopt;
  Reply reply = std::move(replies_.front());
  replies_.pop_front();
  return reply;
}

bool Protocol::reply_in_progress() const { return phase_ != Phase::Status || lines_.buffered() > 0; }

void Protocol::violate(std::string message) {
  failed_ = true;
  output_.clear();
  replies_.push_back(ViolationReply{std::move(message), on_wire_ > 1});
}

void Protocol::finish_command() {
  in_flight_.pop_front();
  --on_wire_;
  phase_ = Phase::Status;
}

void Protocol::receive(std::string_view input) {
  if (failed_ || input.empty()) return;
  if (awaiting_tls_) {
    violate("server sent " + std::to_string(input.size()) +
            " bytes after its +OK to STLS, before the TLS handshake (possible plaintext injection)");
    return;
  }
  while (!input.empty() && !failed_) {
    if (on_wire_ == 0) {
      violate("server sent data while no command was outstanding: '" + quote(input, kQuotedUnexpectedBytes) +
              "'");
      return;
    }
    if (sasl_ != Sasl::Idle) {
      violate("server sent more after its SASL challenge before our response: '" +
              quote(input, kQuotedUnexpectedBytes) + "'");
      return;
    }
    std::size_t consumed = 0;
    switch (phase_) {
      case Phase::Status:
        consumed = read_status(input);
        break;
      case Phase::Listing:
        consumed = read_listing(input);
        break;
      case Phase::Body:
        consumed = read_body(input);
        break;
    }
    input.remove_prefix(consumed);
    if (awaiting_tls_ && !input.empty() && !failed_) {
      replies_.pop_back();  // the driver must not start TLS on this stream
      violate("server sent " + std::to_string(input.size()) +
              " bytes after its +OK to STLS, before the TLS handshake (possible plaintext injection)");
      return;
    }
  }
}

std::size_t Protocol::read_status(std::string_view input) {
  const CommandTag& command = in_flight_.front();
  const LineReader::Result read = lines_.read(input);
  if (read.status == LineReader::Status::TooLong) {
    violate("reply to " + command.describe() + " is longer than " + std::to_string(kMaxReplyLineLength) +
            " bytes");
    return 0;
  }
  if (read.status == LineReader::Status::NeedMore) return read.consumed;

  const std::optional<StatusLine> status = parse_status_line(read.line);
  if (!status) {
    if (command.shape() == ReplyShape::Sasl) {
      if (const std::optional<std::string_view> payload = parse_continuation(read.line)) {
        replies_.push_back(ContinuationReply{command, std::string(*payload)});
        sasl_ = Sasl::AwaitingResponse;
        return read.consumed;
      }
    }
    violate("bad reply to " + command.describe() + ": '" + quote(read.line) + "'");
    return 0;
  }

  if (command.kind == CommandKind::Greeting) line_end_ = read.crlf ? LineEnd::Crlf : LineEnd::BareLf;
  const ReplyShape shape = command.shape();
  const bool complete = !status->ok || shape == ReplyShape::SingleLine || shape == ReplyShape::Sasl;
  replies_.push_back(
      StatusReply{command, status->ok, std::string(status->text), status->code, complete, on_wire_});
  if (complete) {
    if (status->ok && command.kind == CommandKind::Stls) awaiting_tls_ = true;
    finish_command();
  } else if (shape == ReplyShape::Listing) {
    previous_crlf_ = true;
    phase_ = Phase::Listing;
  } else {
    body_.reset(line_end_);
    phase_ = Phase::Body;
  }
  return read.consumed;
}

std::size_t Protocol::read_listing(std::string_view input) {
  const CommandTag& command = in_flight_.front();
  const LineReader::Result read = lines_.read(input);
  if (read.status == LineReader::Status::TooLong) {
    violate("a line of the reply to " + command.describe() + " is longer than " +
            std::to_string(kMaxReplyLineLength) + " bytes");
    return 0;
  }
  if (read.status == LineReader::Status::NeedMore) return read.consumed;
  const DotLine line = unstuff_line(read.line);
  const bool may_end = line_end_ == LineEnd::BareLf || (read.crlf && previous_crlf_);
  previous_crlf_ = read.crlf;
  if (line.terminator && may_end) {
    replies_.push_back(EndReply{command});
    finish_command();
  } else {
    replies_.push_back(LineReply{command, line.terminator ? std::string(".") : std::string(line.content)});
  }
  return read.consumed;
}

std::size_t Protocol::read_body(std::string_view input) {
  const CommandTag& command = in_flight_.front();
  const BodyDecoder::Result decoded = body_.decode(input);
  if (!decoded.data.empty()) replies_.push_back(BodyChunkReply{command, body_.take_data()});
  if (decoded.finished) {
    replies_.push_back(EndReply{command});
    body_.reset();
    finish_command();
  }
  return decoded.consumed;
}

}  // namespace pop3
