// `popfetchd deliver --account A [--since DATE | --all]`: hands an
// account's archived messages to its `deliver:` targets. Without --since or
// --all it delivers what is pending (new, waiting for a retry or failed:
// all of them now);
// with them it first queues older messages too (a target added to an
// account that already has mail). Each message reaches each target once:
// delivered rows stay delivered.
//
// When the daemon is delivering the account (it holds its delivery lock),
// the messages are queued and the daemon is asked over the health socket to
// deliver them now; nothing is delivered twice.

#include <sys/stat.h>

#include <cstdio>
#include <ctime>
#include <optional>
#include <string>

#include "app/commands.hpp"
#include "app/delivery_run.hpp"
#include "app/load_config.hpp"
#include "health/client.hpp"
#include "net/uv.hpp"
#include "store/account_lock.hpp"
#include "store/pg/conninfo.hpp"

namespace app {
namespace {

// "2024-03-01" → that day's 00:00 UTC; nullopt when it is not such a date.
std::optional<std::int64_t> parse_day(const std::string& text) {
  std::tm day{};
  int year = 0;
  int month = 0;
  int mday = 0;
  char tail = 0;
  if (text.size() != 10 || std::sscanf(text.c_str(), "%4d-%2d-%2d%c", &year, &month, &mday, &tail) != 3) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || mday < 1 || mday > 31 || year < 1970) return std::nullopt;
  day.tm_year = year - 1900;
  day.tm_mon = month - 1;
  day.tm_mday = mday;
  const std::time_t when = timegm(&day);
  if (day.tm_mday != mday) return std::nullopt;  // 2024-02-31 rolled over
  return static_cast<std::int64_t>(when);
}

// True when another process (the daemon) holds the account's delivery lock.
bool delivered_elsewhere(const std::string& database, const std::string& account) {
  auto lock = store::AccountLock::try_acquire(database, account, store::AccountLock::Purpose::Delivery);
  return lock.ok() && !lock->has_value();
}

void ask_daemon(const config::Config& cfg, const std::string& account) {
  if (cfg.health_socket.empty()) return;
  const std::string request = "POST /deliver/" + account + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n";
  auto answer = health::http_exchange(cfg.health_socket, request);
  if (answer && answer->status == 202) {
    std::printf("the running daemon was asked to deliver them now\n");
  } else {
    std::printf("the running daemon delivers them (its health socket did not take the request)\n");
  }
}

}  // namespace

int deliver_messages(const GlobalOptions& global, const std::string& account_name,
                     const std::optional<std::string>& since, bool all) {
  std::optional<config::Config> cfg = load_config_or_report(global.config_path);
  if (!cfg) return kExitUsage;
  const config::Account* account = cfg->find_account(account_name);
  if (account == nullptr) {
    print_error("deliver: no account named '" + account_name + "' in " + cfg->path);
    return kExitUsage;
  }
  if (account->deliver.empty()) {
    print_error("deliver: account '" + account_name + "' has no deliver: targets in " + cfg->path);
    return kExitUsage;
  }
  std::optional<std::int64_t> since_time;
  if (since) {
    since_time = parse_day(*since);
    if (!since_time) {
      print_error("deliver: --since must be a date like 2024-03-01 (got '" + *since + "')");
      return kExitUsage;
    }
  }
  if (store::pg::is_postgres_uri(cfg->database)) {
    print_error("deliver: delivery to targets is not yet supported with a PostgreSQL archive");
    return kExitFailed;
  }
  struct stat st {};
  if (::stat(cfg->database.c_str(), &st) != 0) {
    std::fprintf(stderr, "popfetchd: no archive at %s yet (nothing has been fetched)\n", cfg->database.c_str());
    return kExitOk;
  }
  auto archive = store::Archive::open(cfg->database);
  if (!archive) {
    print_error(archive.error().message);
    return kExitFailed;
  }
  const bool elsewhere = delivered_elsewhere(cfg->database, account_name);

  net::UvLoop loop;
  fetch::ArchiveWriter writer(loop.get(), *archive, fetch::ArchiveWriter::Limits{});
  DeliveryRun run(loop.get(), writer, *cfg, {account});
  if (since_time || all) {
    for (const config::DeliveryTarget& target : account->deliver) {
      auto queued = run.log().backfill(account_name, target.key(), since_time);
      if (!queued) {
        print_error("deliver: " + queued.error().message);
        return kExitFailed;
      }
      std::printf("%s: queued %lld messages for %s\n", account_name.c_str(), static_cast<long long>(*queued),
                  target.key().c_str());
    }
  }
  // Run by hand, it means "now": messages waiting for a retry and failed
  // ones go too (what POST /deliver/<account> does for the daemon).
  if (auto retried = run.log().retry_failed(account_name); !retried) {
    print_error("deliver: " + retried.error().message);
    return kExitFailed;
  }
  if (elsewhere) {
    std::printf("%s: another popfetchd (the daemon) is delivering this account\n", account_name.c_str());
    ask_daemon(*cfg, account_name);
    return kExitOk;
  }
  run.finish();
  uv_run(loop.get(), UV_RUN_DEFAULT);
  return run.report() ? kExitOk : kExitFailed;
}

}  // namespace app
