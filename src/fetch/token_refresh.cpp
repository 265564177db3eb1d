#include "fetch/token_refresh.hpp"

#include <utility>

#include "common/log.hpp"

namespace fetch {

bool refreshes_token(const config::Account& account) {
  const bool bearer =
      account.auth == config::AuthMethod::XOAuth2 || account.auth == config::AuthMethod::OAuthBearer;
  return bearer && account.password.kind == config::PasswordSource::Kind::Command;
}

TokenRefreshPoll::TokenRefreshPoll(PollOptions options, PollFactory inner, TokenRefresh refresh,
                                   PollDone on_done)
    : retry_options_(options.duplicate()),
      inner_(std::move(inner)),
      refresh_(std::move(refresh)),
      on_done_(std::move(on_done)),
      alive_(std::make_shared<TokenRefreshPoll*>(this)),
      first_options_(std::move(options)) {
  retry_options_.password.wipe();  // the refused token is no use for the second attempt
}

TokenRefreshPoll::~TokenRefreshPoll() = default;

void TokenRefreshPoll::start() {
  current_ = inner_(std::move(*first_options_), [this](PollReport report) { first_done(std::move(report)); });
  first_options_.reset();
  current_->start();
}

void TokenRefreshPoll::stop() {
  stopped_ = true;
  if (first_) return finish(std::move(*first_));  // the command is running: nothing to stop but us
  if (current_) current_->stop();
}

void TokenRefreshPoll::first_done(PollReport report) {
  // The finished poll calls this as its last action: destroying it here is
  // the Poll contract, and frees the account lock for the second attempt.
  current_.reset();
  if (stopped_ || report.retry != RetryHint::AuthFailed) return finish(std::move(report));
  common::log_info(retry_options_.account.name,
                   "the server refused the access token; running password_command for a fresh one");
  first_ = std::move(report);
  std::weak_ptr<TokenRefreshPoll*> alive = alive_;
  refresh_(retry_options_.account.password, [alive](common::Result<common::Secret> token) {
    if (auto self = alive.lock()) (*self)->on_token(std::move(token));
  });
}

void TokenRefreshPoll::on_token(common::Result<common::Secret> token) {
  if (!first_) return;  // stopped meanwhile: the first report is already out
  PollReport first = std::move(*first_);
  first_.reset();
  if (!token) {
    first.error->message +=
        "; running password_command again for a fresh token failed: " + token.error().message;
    return finish(std::move(first));
  }
  PollOptions options = retry_options_.duplicate();
  options.password = std::move(token).value();
  first_started_at_ = first.started_at;
  first_elapsed_ms_ = first.elapsed_ms;
  current_ = inner_(std::move(options), [this](PollReport second) { second_done(std::move(second)); });
  current_->start();
}

void TokenRefreshPoll::second_done(PollReport report) {
  current_.reset();  // as in first_done(); nothing of the lambda that called us is used after this
  report.started_at = first_started_at_;
  report.elapsed_ms += first_elapsed_ms_;
  if (report.error && report.retry == RetryHint::AuthFailed) {
    report.error->message += " (also with a fresh token from password_command)";
  }
  finish(std::move(report));
}

void TokenRefreshPoll::finish(PollReport report) {
  alive_.reset();
  PollDone done = std::move(on_done_);
  // Last action: the runner may destroy this object inside the call.
  if (done) done(std::move(report));
}

PollFactory with_token_refresh(PollFactory inner, TokenRefresh refresh) {
  return [inner = std::move(inner), refresh = std::move(refresh)](PollOptions options,
                                                                  PollDone on_done) -> std::unique_ptr<Poll> {
    if (!refreshes_token(options.account)) return inner(std::move(options), std::move(on_done));
    return std::make_unique<TokenRefreshPoll>(std::move(options), inner, refresh, std::move(on_done));
  };
}

}  // namespace fetch
