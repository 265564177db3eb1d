// `popfetchd poll-once [ACCOUNT...]`: polls the named accounts (default: all)
// once (an account whose poll hit the per-poll cap is polled again until its
// mailbox is done or a poll fails), concurrently on one loop (at most
// max_concurrent_polls sessions at a time), prints a summary line per account
// (stdout; a failed account's line goes to stderr), delivers the new
// messages to the accounts' `deliver:` targets (one line per target), and
// exits 0 only when every account succeeded and no target is failing.

#include <uv.h>

#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "app/accounts.hpp"
#include "app/commands.hpp"
#include "app/delivery_run.hpp"
#include "app/fetch_setup.hpp"
#include "app/load_config.hpp"
#include "common/log.hpp"
#include "daemon/password_lookup.hpp"
#include "daemon/weak_security.hpp"
#include "fetch/account_poll.hpp"
#include "fetch/archive_writer.hpp"
#include "fetch/poll_runner.hpp"
#include "fetch/token_refresh.hpp"
#include "net/uv.hpp"

namespace app {
namespace {

struct Outcome {
  bool done = false;
  fetch::PollReport report;
};

// One line per account; the exit status of the whole run.
int report_outcomes(const std::vector<const config::Account*>& selected, std::map<std::string, Outcome>& outcomes) {
  int exit_code = kExitOk;
  for (const config::Account* account : selected) {
    const fetch::PollReport& report = outcomes[account->name].report;
    if (report.ok()) {
      std::printf("%s: %s in %.1fs\n", account->name.c_str(), report.summary().c_str(),
                  static_cast<double>(report.elapsed_ms) / 1000.0);
    } else {
      exit_code = kExitFailed;
      // Errors go to stderr, as one line per account.
      std::fflush(stdout);
      print_error(account->name + ": " + report.summary());
    }
  }
  std::fflush(stdout);
  return exit_code;
}

}  // namespace

int poll_once(const GlobalOptions& global, const std::vector<std::string>& names) {
  // Passwords are in this process's memory from here on.
  protect_secrets_in_memory();
  std::optional<config::Config> cfg = load_config_or_report(global.config_path);
  if (!cfg) return kExitUsage;
  std::optional<std::vector<const config::Account*>> selected = select_accounts(*cfg, names, "poll-once");
  if (!selected) return kExitUsage;

  common::Result<FetchSetup> setup = prepare_fetching(*cfg);
  if (!setup) {
    // No archive, no poll: every selected account failed, each says why.
    for (const config::Account* account : *selected) {
      print_error(account->name + ": failed (" + std::string(common::to_string(setup.error().kind)) +
                  "): " + setup.error().message);
    }
    return kExitFailed;
  }
  // Declared before the writer, so it is closed after it: its last turn
  // frees the handles the writer and the connections closed.
  net::UvLoop owned_loop;
  uv_loop_t& loop = *owned_loop.get();
  fetch::ArchiveWriter writer(&loop, setup->archive, fetch::ArchiveWriter::Limits{});

  std::map<std::string, Outcome> outcomes;
  DeliveryRun deliveries(&loop, writer, *cfg, *selected);
  std::size_t polls_left = 0;
  // The daemon's runner: at most max_concurrent_polls sessions at a time,
  // max_polls_per_server of them against one server.
  fetch::PollRunner runner(
      fetch::with_token_refresh(fetch::account_poll_factory(&loop, writer, *setup->digests),
                                popfetchd::daemon::pool_token_refresh(&loop, &config::resolve_password)),
      cfg->max_concurrent_polls, cfg->max_polls_per_server);
  std::vector<fetch::PollOptions> ready;
  for (const config::Account* account : *selected) {
    popfetchd::daemon::warn_about_weak_security(*account);
    Outcome& outcome = outcomes[account->name];
    // Every password is resolved before the first poll starts: a password
    // command may block, and the polls' timeouts must not tick meanwhile.
    common::Result<common::Secret> password = config::resolve_password(account->password);
    if (!password) {
      outcome.done = true;
      outcome.report.account = account->name;
      outcome.report.error = password.error();
      continue;
    }
    fetch::PollOptions options;
    options.account = *account;
    options.password = std::move(password).value();
    options.database_path = cfg->database;
    ready.push_back(std::move(options));
  }
  uv_update_time(&loop);
  for (fetch::PollOptions& options : ready) {
    Outcome& outcome = outcomes[options.account.name];
    fetch::PollRunner::Callbacks callbacks;
    ++polls_left;
    callbacks.on_done = [&outcome, &polls_left, &deliveries](fetch::PollReport report) {
      outcome.done = true;
      outcome.report = std::move(report);
      if (--polls_left == 0) deliveries.finish();
    };
    // A first import of a big mailbox takes several polls (the per-poll cap
    // bounds memory): poll-once goes on until the mailbox is done.
    if (!fetch::submit_until_done(runner, std::move(options), std::move(callbacks))) --polls_left;
  }
  ready.clear();
  if (polls_left == 0) deliveries.finish();
  uv_run(&loop, UV_RUN_DEFAULT);
  (void)writer.commit();

  const int polled = report_outcomes(*selected, outcomes);
  const bool delivered = deliveries.report();
  return polled != kExitOk ? polled : (delivered ? kExitOk : kExitFailed);
}

}  // namespace app
