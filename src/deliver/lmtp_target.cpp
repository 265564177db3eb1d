// LmtpTarget: one LmtpSession over one LmtpStream per delivery; see lmtp_target.hpp.
#include "deliver/lmtp_target.hpp"

#include <unistd.h>

#include <algorithm>
#include <climits>

#include "common/sanitize.hpp"
#include "deliver/lmtp_session.hpp"
#include "deliver/message_form.hpp"
#include "net/address.hpp"
#include "net/uv.hpp"

namespace deliver {
namespace {

// RFC 5321 §4.1.1.1: LHLO takes a domain name; a host name that is not a
// plain one (or none at all) is replaced rather than sent.
std::string local_client_name() {
  char name[HOST_NAME_MAX + 1] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "popfetchd";
  const std::string_view text(name);
  const bool plain = !text.empty() && text.front() != '-' && text.front() != '.' &&
                     std::all_of(text.begin(), text.end(), [](char c) {
                       return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                              c == '-' || c == '.';
                     });
  return plain ? std::string(text) : "popfetchd";
}

}  // namespace

class LmtpTarget::Delivery {
 public:
  Delivery(LmtpTarget& owner, std::shared_ptr<const Message> message, Done done)
      : owner_(owner),
        message_(std::move(message)),
        done_(std::move(done)),
        session_(LmtpEnvelope{owner.client_name_, return_path_sender(message_->raw), owner.recipient_},
                 message_->raw),
        timer_(net::make_timer(owner.loop_)) {}

  void start() {
    timer_->data = this;
    if (!owner_.address_) {
      early_ =
          Outcome{Verdict::Permanent, "unusable LMTP address: " + common::sanitize(owner_.address_text_)};
      return restart_timer(std::chrono::milliseconds(0));  // done a loop turn later, never from deliver()
    }
    LmtpStream::Handlers handlers;
    handlers.on_connected = [this] { connected_ = true; };
    handlers.on_data = [this](std::string_view bytes) {
      session_.receive(bytes);
      restart_timer(owner_.timeout_);
      pump();
    };
    handlers.on_eof = [this] {
      session_.receive_eof();
      pump();
    };
    handlers.on_error = [this](common::Error error) {
      session_.connection_failed(error.message);
      pump();
    };
    stream_ = LmtpStream::open(owner_.loop_, *owner_.address_, owner_.timeout_, std::move(handlers));
    restart_timer(owner_.timeout_);
  }

 private:
  void restart_timer(std::chrono::milliseconds after) {
    uv_timer_start(
        timer_.get(), [](uv_timer_t* timer) { static_cast<Delivery*>(timer->data)->timer_fired(); },
        static_cast<std::uint64_t>(after.count()), 0);
  }

  void timer_fired() {
    if (early_) return finish();
    if (!session_.done()) {
      const std::string where = "the LMTP server at " + common::sanitize(owner_.address_text_);
      session_.connection_failed(
          connected_ ? "no reply from " + where + " within " + net::format_duration(owner_.timeout_)
                     : "could not connect to " + where + " within " + net::format_duration(owner_.timeout_));
    }
    pump();
  }

  void pump() {
    if (std::string output = session_.take_output(); !output.empty() && stream_) {
      stream_->write(output);
      restart_timer(owner_.timeout_);
    }
    if (session_.done()) finish();
  }

  // Frees this delivery, then reports: `done` may destroy the target.
  void finish() {
    Outcome outcome =
        early_ ? *early_
               : session_.outcome().value_or(Outcome{Verdict::Temporary, "the LMTP dialogue ended early"});
    Done done = std::move(done_);
    if (stream_) stream_->close();
    auto& list = owner_.deliveries_;
    list.remove_if([this](const std::unique_ptr<Delivery>& entry) { return entry.get() == this; });
    done(std::move(outcome));
  }

  LmtpTarget& owner_;
  std::shared_ptr<const Message> message_;
  Done done_;
  LmtpSession session_;
  net::UvHandlePtr<uv_timer_t> timer_;
  std::unique_ptr<LmtpStream> stream_;
  bool connected_ = false;
  std::optional<Outcome> early_;  // decided before connecting (a bad address)
};

LmtpTarget::LmtpTarget(uv_loop_t* loop, const config::DeliveryTarget& config)
    : loop_(loop),
      address_text_(config.address),
      address_(parse_lmtp_address(config.address)),
      recipient_(config.recipient),
      timeout_(std::chrono::duration_cast<std::chrono::milliseconds>(config.timeout)),
      client_name_(local_client_name()) {}

LmtpTarget::~LmtpTarget() = default;

void LmtpTarget::deliver(Attempt attempt, Done done) {
  deliveries_.push_back(std::make_unique<Delivery>(*this, std::move(attempt.message), std::move(done)));
  deliveries_.back()->start();
}

}  // namespace deliver
