// The LMTP client dialogue; see lmtp_session.hpp.
#include "deliver/lmtp_session.hpp"

#include "common/sanitize.hpp"
#include "deliver/message_form.hpp"

namespace deliver {
namespace {

// The server text kept of one reply before it is quoted (and cut again).
constexpr std::size_t kMaxReplyText = 1024;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string_view step_name(int step) {
  static constexpr std::string_view kNames[] = {
      "greeting", "LHLO", "MAIL FROM", "RCPT TO", "DATA", "the end of the message", "QUIT"};
  return kNames[step];
}

}  // namespace

LmtpSession::LmtpSession(LmtpEnvelope envelope, std::string_view message)
    : envelope_(std::move(envelope)), message_(message) {}

void LmtpSession::receive(std::string_view bytes) {
  while (!done_ && !bytes.empty()) {
    const auto read = lines_.read(bytes);
    bytes.remove_prefix(read.consumed);
    if (read.status == pop3::LineReader::Status::TooLong) {
      violation("a reply line longer than " + std::to_string(kMaxLmtpLineLength) + " bytes");
      return;
    }
    if (read.status == pop3::LineReader::Status::NeedMore) return;
    handle_line(read.line);
  }
}

void LmtpSession::receive_eof() {
  if (done_) return;
  if (step_ == Step::Quit) {  // the outcome is known; a server may close instead of answering QUIT
    done_ = true;
    return;
  }
  // After DATA's 354 we cannot tell whether all of the message got there.
  const std::string when = step_ == Step::EndOfData
                               ? "during the message or before its reply to it (it may have been delivered)"
                               : "at " + std::string(step_name(static_cast<int>(step_)));
  finish(Verdict::Temporary, "the LMTP server closed the connection " + when);
  done_ = true;
}

void LmtpSession::connection_failed(std::string detail) {
  if (done_) return;
  if (!outcome_) finish(Verdict::Temporary, std::move(detail));
  output_.clear();
  done_ = true;
}

std::string LmtpSession::take_output() { return std::exchange(output_, {}); }

void LmtpSession::handle_line(std::string_view line) {
  // Reply-line = *( Reply-code "-" [ textstring ] CRLF ) Reply-code [ SP textstring ] CRLF
  // (RFC 5321 §4.2); Reply-code = %x32-35 %x30-35 %x30-39.
  const bool code_ok = line.size() >= 3 && line[0] >= '2' && line[0] <= '5' && is_digit(line[1]) &&
                       is_digit(line[2]) && (line.size() == 3 || line[3] == '-' || line[3] == ' ');
  if (!code_ok) {
    violation("a line that is not an LMTP reply: " + common::sanitize(line));
    return;
  }
  const int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
  if (reply_code_ != 0 && code != reply_code_) {
    violation("reply code " + std::to_string(code) + " inside a reply with code " +
              std::to_string(reply_code_));
    return;
  }
  reply_code_ = code;
  if (++reply_lines_ > kMaxLmtpReplyLines) {
    violation("a reply of more than " + std::to_string(kMaxLmtpReplyLines) + " lines");
    return;
  }
  const std::string_view text = line.size() > 4 ? line.substr(4) : std::string_view();
  if (reply_text_.size() < kMaxReplyText && !text.empty()) {
    if (!reply_text_.empty()) reply_text_ += ' ';
    reply_text_.append(text.substr(0, kMaxReplyText - reply_text_.size()));
  }
  const bool last = line.size() == 3 || line[3] == ' ';
  if (!last) return;
  handle_reply(code);
  reply_code_ = 0;
  reply_lines_ = 0;
  reply_text_.clear();
}

void LmtpSession::handle_reply(int code) {
  const int kind = code / 100;
  switch (step_) {
    case Step::Quit:
      done_ = true;
      return;
    case Step::Greeting:
      if (code == 220) return advance(code);
      break;
    case Step::Data:
      if (code == 354) return advance(code);
      break;
    case Step::EndOfData:
      if (kind == 2) {
        finish(Verdict::Delivered, "");
        return quit();
      }
      break;
    default:
      if (kind == 2) return advance(code);
      break;
  }
  refused(code, step_name(static_cast<int>(step_)));
}

void LmtpSession::advance(int /*code*/) {
  switch (step_) {
    case Step::Greeting:
      step_ = Step::Lhlo;
      return send("LHLO " + envelope_.client_name);
    case Step::Lhlo:
      if (!envelope_.sender.empty() && !usable_mailbox(envelope_.sender)) {
        finish(Verdict::Permanent, "the sender address cannot go into MAIL FROM");
        return quit();
      }
      step_ = Step::MailFrom;
      return send("MAIL FROM:<" + envelope_.sender + ">");
    case Step::MailFrom:
      if (!usable_mailbox(envelope_.recipient)) {
        finish(Verdict::Permanent, envelope_.recipient.empty() ? "no recipient for RCPT TO"
                                                               : "the recipient cannot go into RCPT TO");
        return quit();
      }
      step_ = Step::RcptTo;
      return send("RCPT TO:<" + envelope_.recipient + ">");
    case Step::RcptTo:
      step_ = Step::Data;
      return send("DATA");
    case Step::Data:
      step_ = Step::EndOfData;
      output_ += dot_stuffed_data(message_);
      return;
    default:
      return;
  }
}

void LmtpSession::refused(int code, std::string_view what) {
  const int kind = code / 100;
  const Verdict verdict = kind == 4 ? Verdict::Temporary : Verdict::Permanent;
  std::string detail = "LMTP server answered " + std::string(what) + " with " + std::to_string(code);
  if (!reply_text_.empty()) detail += " " + common::sanitize(reply_text_);
  // A 2xx/3xx where another reply was due is a broken dialogue, not a refusal.
  if (kind < 4) detail += " (unexpected)";
  finish(verdict, std::move(detail));
  quit();
}

void LmtpSession::violation(std::string message) {
  finish(Verdict::Permanent, "the LMTP server broke the protocol: " + std::move(message));
  output_.clear();
  done_ = true;
}

void LmtpSession::send(std::string line) {
  output_ += line;
  output_ += "\r\n";
}

void LmtpSession::quit() {
  step_ = Step::Quit;
  send("QUIT");
}

void LmtpSession::finish(Verdict verdict, std::string detail) {
  if (outcome_) return;
  outcome_ = Outcome{verdict, std::move(detail)};
}

}  // namespace deliver
