// `popfetchd migrate --to TARGET`: copies the archive named in the config
// into another one (a PostgreSQL URI, or an SQLite file), then proves the
// copy by comparing each account's rows, bytes and SHA-256 chain on both
// sides (store/archive_copy.hpp). Reads the config's archive, writes only
// the target. Resumable: running it again copies what is missing.

#include <sys/stat.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "app/commands.hpp"
#include "app/load_config.hpp"
#include "common/format.hpp"
#include "net/sha256.hpp"
#include "store/archive.hpp"
#include "store/archive_copy.hpp"
#include "store/pg/conninfo.hpp"

namespace app {
namespace {

std::string shown(const std::string& database) { return store::pg::sanitize_conninfo(database); }

std::string bytes(std::int64_t n) { return common::format_bytes(static_cast<std::uint64_t>(n)); }

// Every account of the source must be in the target with the same
// fingerprint; accounts only in the target are named, not an error.
bool report_verification(const std::vector<store::AccountFingerprint>& source,
                         const std::vector<store::AccountFingerprint>& target) {
  std::map<std::string, const store::AccountFingerprint*> in_target;
  for (const auto& t : target) in_target[t.account] = &t;
  bool ok = true;
  std::int64_t rows = 0, total = 0;
  for (const auto& s : source) {
    rows += s.rows;
    total += s.bytes;
    const auto found = in_target.find(s.account);
    if (found == in_target.end()) {
      print_error("migrate: account '" + s.account + "' (" + std::to_string(s.rows) +
                  " messages) is missing from the target");
      ok = false;
      continue;
    }
    const store::AccountFingerprint& t = *found->second;
    if (!(t == s)) {
      print_error("migrate: account '" + s.account + "' differs: source " + std::to_string(s.rows) +
                  " messages, " + bytes(s.bytes) + ", sha256 " + s.sha256_hex + "; target " +
                  std::to_string(t.rows) + " messages, " + bytes(t.bytes) + ", sha256 " + t.sha256_hex);
      ok = false;
    }
    in_target.erase(found);
  }
  for (const auto& [account, t] : in_target) {
    std::printf("note: the target also holds account '%s' (%lld messages), which the source has not\n",
                account.c_str(), static_cast<long long>(t->rows));
  }
  if (ok) {
    std::printf("verified: %zu account%s, %lld message%s, %s; every account's count, bytes and SHA-256 match\n",
                source.size(), source.size() == 1 ? "" : "s", static_cast<long long>(rows), rows == 1 ? "" : "s",
                bytes(total).c_str());
  }
  return ok;
}

}  // namespace

int migrate_archive(const GlobalOptions& global, const std::string& target) {
  std::optional<config::Config> cfg = load_config_or_report(global.config_path);
  if (!cfg) return kExitUsage;
  const std::string& source_db = cfg->database;
  if (target == source_db) {
    print_error("migrate: --to names the config's own database (" + shown(target) + "); give another one");
    return kExitUsage;
  }
  struct stat st {};
  if (!store::pg::is_postgres_uri(source_db) && stat(source_db.c_str(), &st) != 0) {
    print_error("migrate: no archive at " + source_db + " (nothing has been fetched); nothing to copy");
    return kExitUsage;
  }
  auto source = store::Archive::open(source_db);
  if (!source) {
    print_error(source.error().message);
    return kExitFailed;
  }
  auto destination = store::Archive::open(target);
  if (!destination) {
    print_error(destination.error().message);
    return kExitFailed;
  }
  std::printf("copying %s to %s\n", shown(source_db).c_str(), shown(target).c_str());
  std::fflush(stdout);
  store::CopyOptions options;
  options.progress = [](const store::CopyStats& so_far) {
    std::fprintf(stderr, "popfetchd: migrate: %lld copied (%s), %lld already there\n",
                 static_cast<long long>(so_far.copied), bytes(so_far.bytes).c_str(),
                 static_cast<long long>(so_far.already_there));
  };
  auto stats = store::copy_archive(*source, *destination, net::sha256, options);
  if (!stats) {
    print_error("migrate: " + stats.error().message +
                "; what was copied before stays, and running migrate again resumes");
    return kExitFailed;
  }
  std::printf("copied %lld message%s (%s); %lld already there\n", static_cast<long long>(stats->copied),
              stats->copied == 1 ? "" : "s", bytes(stats->bytes).c_str(),
              static_cast<long long>(stats->already_there));
  auto source_prints = store::fingerprint_archive(*source, net::sha256);
  if (!source_prints) {
    print_error("migrate: verifying: " + source_prints.error().message);
    return kExitFailed;
  }
  auto target_prints = store::fingerprint_archive(*destination, net::sha256);
  if (!target_prints) {
    print_error("migrate: verifying: " + target_prints.error().message);
    return kExitFailed;
  }
  return report_verification(*source_prints, *target_prints) ? kExitOk : kExitFailed;
}

}  // namespace app
