// `popfetchd poll-once [ACCOUNT...]`: polls the named accounts (default: all)
// once, concurrently on one loop (at most max_concurrent_polls sessions at a
// time), prints a summary line per account and exits 0 only when every
// account succeeded.

#include <sys/prctl.h>
#include <uv.h>

#include <cstdio>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "app/commands.hpp"
#include "app/load_config.hpp"
#include "app/open_archive.hpp"
#include "common/log.hpp"
#include "fetch/account_poll.hpp"
#include "fetch/archive_writer.hpp"
#include "net/mbed_digests.hpp"

namespace app {
namespace {

void warn_about_weak_security(const config::Account& account) {
  switch (account.security) {
    case config::Security::None:
      common::log_warn(account.name, "security none: the session, mail and credentials travel in clear text");
      break;
    case config::Security::TlsIfAvailable:
      common::log_warn(account.name, "security tls-if-available: the server's certificate is not checked");
      break;
    case config::Security::StartTlsIfAvailable:
      common::log_warn(account.name,
                       "security starttls-if-available: the certificate is not checked, and without STLS "
                       "the session stays in clear text");
      break;
    case config::Security::Tls:
    case config::Security::StartTls: break;
  }
}

struct Outcome {
  bool done = false;
  fetch::PollReport report;
};

}  // namespace

int poll_once(const GlobalOptions& global, const std::vector<std::string>& names) {
  // Passwords are in this process's memory from here on: no core dump (and
  // no ptrace attach by other processes of the same user) may copy them out.
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  std::optional<config::Config> cfg = load_config_or_report(global.config_path);
  if (!cfg) return kExitUsage;

  std::vector<const config::Account*> selected;
  if (names.empty()) {
    for (const config::Account& account : cfg->accounts) selected.push_back(&account);
  } else {
    for (const std::string& name : names) {
      const config::Account* account = cfg->find_account(name);
      if (account == nullptr) {
        print_error("poll-once: no account named '" + name + "' in " + cfg->path);
        return kExitUsage;
      }
      selected.push_back(account);
    }
  }

  auto digests = net::MbedDigests::create();
  if (!digests) {
    print_error(digests.error().message);
    return kExitFailed;
  }
  common::Result<store::Archive> archive = open_archive_for_writing(cfg->database);
  if (!archive) {
    print_error(archive.error().message);
    return kExitFailed;
  }
  fetch::ArchiveWriter writer(*archive, fetch::ArchiveWriter::Limits{});

  uv_loop_t loop;
  uv_loop_init(&loop);

  std::map<std::string, Outcome> outcomes;
  std::deque<fetch::PollOptions> waiting;
  for (const config::Account* account : selected) {
    warn_about_weak_security(*account);
    Outcome& outcome = outcomes[account->name];
    // Passwords are resolved before the loop runs: a password command may block.
    common::Result<std::string> password = config::resolve_password(account->password);
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
    waiting.push_back(std::move(options));
  }

  std::map<std::string, std::unique_ptr<fetch::AccountPoll>> running;
  std::vector<std::unique_ptr<fetch::AccountPoll>> finished_polls;
  std::function<void()> start_more = [&] {
    while (!waiting.empty() && running.size() < cfg->max_concurrent_polls) {
      fetch::PollOptions options = std::move(waiting.front());
      waiting.pop_front();
      const std::string name = options.account.name;
      auto poll = std::make_unique<fetch::AccountPoll>(
          &loop, std::move(options), writer, **digests, [&, name](fetch::PollReport report) {
            Outcome& outcome = outcomes[name];
            outcome.done = true;
            outcome.report = std::move(report);
            // Destroying the finished poll later, not inside its own callback chain.
            finished_polls.push_back(std::move(running[name]));
            running.erase(name);
            start_more();
          });
      fetch::AccountPoll* raw = poll.get();
      running[name] = std::move(poll);
      raw->start();
    }
  };
  start_more();
  uv_run(&loop, UV_RUN_DEFAULT);
  (void)writer.commit();

  int exit_code = kExitOk;
  for (const config::Account* account : selected) {
    const fetch::PollReport& report = outcomes[account->name].report;
    if (report.ok()) {
      std::printf("%s: %s in %.1fs\n", account->name.c_str(), report.summary().c_str(),
                  static_cast<double>(report.elapsed_ms) / 1000.0);
    } else {
      exit_code = kExitFailed;
      std::printf("%s: FAILED (%s): %s\n", account->name.c_str(),
                  std::string(common::to_string(report.error->kind)).c_str(), report.summary().c_str());
      common::log_error(account->name, "poll failed: " + report.error->message);
    }
  }
  std::fflush(stdout);
  finished_polls.clear();
  uv_run(&loop, UV_RUN_DEFAULT);  // let the closed connections' handles finish
  uv_loop_close(&loop);
  return exit_code;
}

}  // namespace app
