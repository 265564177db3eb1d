// libFuzzer target: arbitrary server bytes into pop3::Session, the way
// fetch::AccountPoll drives it (drain every event after every call, send the
// output), with the driver's calls (retrieve, remove, quit, tls_established)
// chosen by the input. Besides crashes and sanitizer reports it checks the
// engine's promises and aborts when one is broken:
//   - cram-md5 never puts the password (or a base64 form of it) on the wire;
//   - a required STLS means no USER/PASS/AUTH/APOP before TLS is in place;
//   - Failed and Closed are terminal: one of them at most, nothing after it;
//   - buffered bytes and queued events stay bounded by the limits and by the
//     size of one receive(), never by the stream;
//   - UIDLs are 1..kMaxUidlLength printable characters, error texts one
//     printable line.
//
// Input layout (so seeds can be written by hand, see corpus/pop3_session):
//   byte 0  session options: bit 0 cram-md5, bits 1-2 TLS policy, bits 3-4
//           pipelining, bit 5 no UIDL wanted, bits 6-7 window (1, 2, 4, 16)
//   byte 1  chunking: 0 feeds everything at once, n feeds chunks of 1..n bytes
//   byte 2  driver: bit 0 retrieve listed messages, bit 1 remove retrieved
//           ones, bit 2 quit once idle after the listing, bit 3 send EOF at the end,
//           bit 4 misuse (calls at the wrong time), bit 5 retrieve and remove
//           unlisted numbers, bit 6 TOP n 0 of listed messages too
//   byte 3  seed for the chunk sizes
//   rest    the server's byte stream

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>

#include "pop3/base64.hpp"
#include "pop3/limits.hpp"
#include "pop3/session.hpp"

namespace {

constexpr std::string_view kUser = "fuzzuser";
constexpr std::string_view kPassword = "Fuzz-Secret-Pw-7c41";

// Digests without a crypto library: any 16 bytes do, the server is fake.
class FakeDigests : public pop3::Digests {
 public:
  pop3::Md5Digest md5(std::string_view data) const override { return fold(data); }
  pop3::Md5Digest hmac_md5(std::string_view key, std::string_view data) const override {
    pop3::Md5Digest digest = fold(data);
    const pop3::Md5Digest k = fold(key);
    for (std::size_t i = 0; i < digest.size(); ++i) digest[i] ^= k[i];
    return digest;
  }

 private:
  static pop3::Md5Digest fold(std::string_view data) {
    pop3::Md5Digest digest{};
    for (std::size_t i = 0; i < data.size(); ++i)
      digest[i % digest.size()] += static_cast<std::uint8_t>(data[i]);
    return digest;
  }
};

[[noreturn]] void broken(const char* promise) {
  std::fprintf(stderr, "pop3_session_fuzzer: broken promise: %s\n", promise);
  std::abort();
}

void check(bool ok, const char* promise) {
  if (!ok) broken(promise);
}

bool printable_line(std::string_view text) {
  for (unsigned char c : text) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

// xorshift32: the chunk sizes, reproducible from the input alone.
class Chunker {
 public:
  Chunker(std::uint8_t max_chunk, std::uint8_t seed) : max_(max_chunk), state_(0x9e3779b9u ^ seed) {}
  std::size_t next(std::size_t remaining) {
    if (max_ == 0) return remaining;
    state_ ^= state_ << 13;
    state_ ^= state_ >> 17;
    state_ ^= state_ << 5;
    return std::min<std::size_t>(remaining, 1 + state_ % max_);
  }

 private:
  std::uint8_t max_;
  std::uint32_t state_;
};

class Driver {
 public:
  Driver(std::uint8_t options_byte, std::uint8_t driver_byte, bool server_sent_password)
      : driver_(driver_byte), server_sent_password_(server_sent_password) {
    options_.username = std::string(kUser);
    options_.password = common::Secret(std::string(kPassword));
    options_.auth = (options_byte & 1) != 0 ? pop3::AuthMethod::CramMd5 : pop3::AuthMethod::Plain;
    switch ((options_byte >> 1) & 3) {
      case 1:
        options_.tls = pop3::TlsPolicy::StartTlsRequired;
        break;
      case 2:
        options_.tls = pop3::TlsPolicy::StartTlsIfAvailable;
        break;
      default:
        options_.tls = pop3::TlsPolicy::AlreadySecure;
        break;
    }
    switch ((options_byte >> 3) & 3) {
      case 1:
        options_.pipelining = pop3::PipeliningMode::On;
        break;
      case 2:
        options_.pipelining = pop3::PipeliningMode::Off;
        break;
      default:
        options_.pipelining = pop3::PipeliningMode::Auto;
        break;
    }
    options_.want_uidl = (options_byte & 0x20) == 0;
    static constexpr std::size_t kWindows[] = {1, 2, 4, 16};
    options_.window = kWindows[(options_byte >> 6) & 3];
    plain_response_ =
        pop3::base64_encode(std::string(1, '\0') + std::string(kUser) + '\0' + std::string(kPassword));
    password_base64_ = pop3::base64_encode(kPassword);
    session_.emplace(std::move(options_), digests_);
  }

  void receive(std::string_view bytes) {
    session_->receive(bytes);
    after_call(bytes.size());
  }

  void finish() {
    if ((driver_ & 8) != 0) {
      session_->receive_eof();
      after_call(0);
    }
    if (terminal_) {
      // Terminal means terminal: more input changes nothing.
      session_->receive("+OK\r\n");
      check(!session_->next_event(), "an event after the terminal one");
      check(session_->take_output().empty(), "output after the terminal event");
    }
  }

 private:
  bool wanted(std::uint8_t bit) const { return (driver_ & bit) != 0; }

  // Drains events (reacting like a driver would), then takes the output.
  void after_call(std::size_t input_size) {
    // One receive() queues at most a few events per input byte (a line needs
    // at least its LF), plus the commands the session sends in response.
    check(session_->pending_events() <= 4 * input_size + 64, "event queue bounded by the input");
    check(session_->buffered_bytes() <= pop3::kMaxReplyLineLength + 1 + input_size,
          "buffered bytes bounded by the line limit and the input");
    check(session_->awaiting().find(kPassword) == std::string::npos, "no password in awaiting()");
    const bool terminal_before = terminal_;
    while (std::optional<pop3::Event> event = session_->next_event()) {
      check(!terminal_, "an event after Failed or Closed");
      handle(*event);
    }
    if (wanted(4) && listing_done_ && !quit_called_ && !terminal_ && session_->idle()) {
      // Like AccountPoll: QUIT once everything asked for is done.
      quit_called_ = true;
      session_->quit();
      while (std::optional<pop3::Event> event = session_->next_event()) handle(*event);
    }
    const std::string output = session_->take_output();
    check(output.empty() || !(terminal_before || failed_), "output after the terminal event");
    inspect_output(output);
  }

  void handle(pop3::Event& event) {
    if (auto* failed = std::get_if<pop3::Failed>(&event)) {
      check(printable_line(failed->error.message), "error messages are one printable line");
      // (A server that sends the password itself may see it quoted back.)
      check(server_sent_password_ || failed->error.message.find(kPassword) == std::string::npos,
            "no password in error messages");
      terminal_ = true;
      failed_ = true;
    } else if (std::holds_alternative<pop3::Closed>(event)) {
      check(quit_called_, "Closed without quit()");
      terminal_ = true;
    } else if (std::holds_alternative<pop3::StartTls>(event)) {
      check(options_.tls != pop3::TlsPolicy::AlreadySecure, "STLS without a TLS policy asking for it");
      session_->tls_established();
      tls_ = true;
    } else if (auto* notice = std::get_if<pop3::Notice>(&event)) {
      check(printable_line(notice->text), "notices are one printable line");
    } else if (auto* sent = std::get_if<pop3::CommandSent>(&event)) {
      check(sent->text.find(kPassword) == std::string::npos, "no password in command traces");
      check(sent->text.find(plain_response_) == std::string::npos, "no SASL PLAIN response in traces");
    } else if (std::holds_alternative<pop3::Authenticated>(event)) {
      // Misuse: both must fail cleanly (Usage) without sending anything.
      if (wanted(16)) session_->tls_established();
      if (wanted(16)) session_->retrieve(1);
    } else if (auto* entry = std::get_if<pop3::ListEntry>(&event)) {
      check(entry->msgno != 0, "message number 0 listed");
      if (listed_.size() < 64) listed_.insert(entry->msgno);
    } else if (auto* uidl = std::get_if<pop3::UidlEntry>(&event)) {
      check(!uidl->uidl.empty() && uidl->uidl.size() <= pop3::kMaxUidlLength, "UIDL length");
      check(printable_line(uidl->uidl) && uidl->uidl.find(' ') == std::string::npos, "UIDL characters");
    } else if (std::holds_alternative<pop3::ListingDone>(event)) {
      if (wanted(1)) {
        for (std::uint32_t msgno : listed_) session_->retrieve(msgno);
      }
      if (wanted(64)) {
        for (std::uint32_t msgno : listed_) session_->top(msgno, 0);
      }
      if (wanted(32)) {
        session_->retrieve(4'000'000'000u);
        session_->remove(7);
      }
      listing_done_ = true;
    } else if (auto* end = std::get_if<pop3::MessageEnd>(&event)) {
      if (wanted(2) && !end->top) session_->remove(end->msgno);
    } else if (auto* failed_message = std::get_if<pop3::MessageFailed>(&event)) {
      check(printable_line(failed_message->reason), "message failures are one printable line");
    } else if (auto* data = std::get_if<pop3::MessageData>(&event)) {
      check(!data->chunk.empty(), "empty body chunk");
    }
  }

  void inspect_output(const std::string& output) {
    if (output.empty()) return;
    if (options_.auth == pop3::AuthMethod::CramMd5) {
      check(output.find(kPassword) == std::string::npos, "cram-md5 sent the password");
      check(output.find(password_base64_) == std::string::npos, "cram-md5 sent the base64 password");
      check(output.find(plain_response_) == std::string::npos, "cram-md5 sent a PLAIN response");
    }
    if (options_.tls == pop3::TlsPolicy::StartTlsRequired && !tls_) {
      for (std::string_view command : {"USER ", "PASS ", "AUTH ", "APOP "}) {
        check(output.find(command) == std::string::npos, "credentials before the required STLS");
      }
    }
  }

  FakeDigests digests_;
  pop3::SessionOptions options_;
  std::optional<pop3::Session> session_;
  std::uint8_t driver_;
  bool server_sent_password_;
  std::string plain_response_;
  std::string password_base64_;
  std::set<std::uint32_t> listed_;
  bool tls_ = false;
  bool listing_done_ = false;
  bool quit_called_ = false;
  bool terminal_ = false;
  bool failed_ = false;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 4) return 0;
  std::string_view stream(reinterpret_cast<const char*>(data) + 4, size - 4);
  Driver driver(data[0], data[2], stream.find(kPassword) != std::string_view::npos);
  Chunker chunker(data[1], data[3]);
  while (!stream.empty()) {
    const std::size_t n = chunker.next(stream.size());
    driver.receive(stream.substr(0, n));
    stream.remove_prefix(n);
  }
  driver.finish();
  return 0;
}
