#pragma once
// Token refresh for the bearer-token mechanisms (auth: xoauth2, oauthbearer):
// OAuth2 access tokens expire, typically after an hour, and a token helper
// run as password_command hands out a fresh one. When a poll of such an
// account fails because the server refused the token, the command is run
// once more and the poll repeated once, in a fresh session, with the new
// token; a second refusal ends the poll (no loop).
//
// TokenRefreshPoll wraps the polls an inner PollFactory makes; it owns the
// poll running now, a copy of the options for the second attempt (their old
// token wiped) and the first attempt's report while the command runs. Never
// runs the command itself: the caller's TokenRefresh does (off the loop
// thread in the daemon). Errors: those of the polls; a command that fails
// the second time leaves the first poll's report, its error extended.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "common/result.hpp"
#include "common/secret.hpp"
#include "config/config.hpp"
#include "fetch/poll_runner.hpp"

namespace fetch {

using TokenDone = std::function<void(common::Result<common::Secret> token)>;
// Resolves `source` again; calls `done` on the loop thread exactly once
// (possibly before returning).
using TokenRefresh = std::function<void(const config::PasswordSource& source, TokenDone done)>;

// True for an account whose refused token is worth asking for again: auth
// xoauth2 or oauthbearer with a password_command.
bool refreshes_token(const config::Account& account);

class TokenRefreshPoll final : public Poll {
 public:
  TokenRefreshPoll(PollOptions options, PollFactory inner, TokenRefresh refresh, PollDone on_done);
  ~TokenRefreshPoll() override;
  void start() override;
  void stop() override;

 private:
  void first_done(PollReport report);
  void on_token(common::Result<common::Secret> token);
  void second_done(PollReport report);
  void finish(PollReport report);

  PollOptions retry_options_;  // the account and settings; the token comes from the refresh
  PollFactory inner_;
  TokenRefresh refresh_;
  PollDone on_done_;
  std::unique_ptr<Poll> current_;
  std::optional<PollReport> first_;  // while the command runs
  std::int64_t first_started_at_ = 0;
  std::uint64_t first_elapsed_ms_ = 0;
  bool stopped_ = false;
  // Expires with this object: a token that arrives after stop() is dropped.
  std::shared_ptr<TokenRefreshPoll*> alive_;
  std::optional<PollOptions> first_options_;  // until start()
};

// `inner`'s polls, wrapped in a TokenRefreshPoll when refreshes_token() holds.
PollFactory with_token_refresh(PollFactory inner, TokenRefresh refresh);

}  // namespace fetch
