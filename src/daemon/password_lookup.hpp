#pragma once
// Resolving a password source off the loop thread. config::resolve_password()
// blocks (a password_command runs until it exits; a password_file may sit on
// a slow mount), so it runs on libuv's thread pool and the answer comes back
// on the loop thread.
//
// Owns one heap job per lookup (the source, the result) until its answer has
// been delivered. Never logs: the result may be the password; errors are
// ErrorKind::Config and never contain it. A lookup cannot be cancelled once
// the pool runs it: the loop keeps running until every lookup has answered.

#include <uv.h>

#include <functional>
#include <string>

#include "common/result.hpp"
#include "common/secret.hpp"
#include "config/config.hpp"
#include "fetch/token_refresh.hpp"

namespace popfetchd::daemon {

// Called on a thread-pool thread: must not touch the loop or shared state.
using PasswordResolver = std::function<common::Result<common::Secret>(const config::PasswordSource& source)>;
using PasswordDone = std::function<void(common::Result<common::Secret> password)>;

// Runs resolver(source) on the pool; `done` runs on the loop thread. If the
// job cannot be queued, `done` gets the error at once (before this returns).
void lookup_password(uv_loop_t* loop, const PasswordResolver& resolver, config::PasswordSource source,
                     PasswordDone done);

// fetch::TokenRefresh by lookup_password(): a refused access token's
// password_command runs again on the pool, not on the loop.
fetch::TokenRefresh pool_token_refresh(uv_loop_t* loop, PasswordResolver resolver);

}  // namespace popfetchd::daemon
