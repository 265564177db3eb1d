// `popfetchd list`, `search`, `show`, `export` and `backup`: read the archive
// named in the config (never write to it; backup writes only its copy).

#include <sys/stat.h>

#include <cstdio>
#include <string>
#include <vector>

#include "app/accounts.hpp"
#include "app/commands.hpp"
#include "app/load_config.hpp"
#include "app/message_output.hpp"
#include "common/format.hpp"
#include "store/archive.hpp"
#include "store/backup.hpp"
#include "store/export.hpp"
#include "store/header_block.hpp"
#include "store/pg/conninfo.hpp"

namespace app {
namespace {

// The archive, or the exit status when there is none to read: no database
// yet is not an error (nothing fetched so far: an empty listing), a database
// that cannot be opened is.
struct OpenedArchive {
  std::optional<store::Archive> archive;
  int exit_code = kExitOk;
};

OpenedArchive open_existing_archive(const config::Config& cfg) {
  struct stat st {};
  if (!store::pg::is_postgres_uri(cfg.database) && stat(cfg.database.c_str(), &st) != 0) {
    std::fprintf(stderr, "popfetchd: no archive at %s yet (nothing has been fetched)\n",
                 cfg.database.c_str());
    return {std::nullopt, kExitOk};
  }
  common::Result<store::Archive> archive = store::Archive::open(cfg.database);
  if (!archive) {
    print_error(archive.error().message);
    return {std::nullopt, kExitFailed};
  }
  return {std::move(archive).value(), kExitOk};
}

// FTS5 reads `alice@example.com` as syntax; a user means the words. Quote
// every whitespace-separated word (doubling embedded quotes).
std::string quote_words(std::string_view query) {
  std::string out;
  std::size_t i = 0;
  while (i < query.size()) {
    while (i < query.size() && query[i] == ' ') ++i;
    if (i == query.size()) break;
    std::size_t end = query.find(' ', i);
    if (end == std::string_view::npos) end = query.size();
    if (!out.empty()) out += ' ';
    out += '"';
    for (char c : query.substr(i, end - i)) {
      if (c == '"') out += '"';
      out += c;
    }
    out += '"';
    i = end;
  }
  return out;
}

std::optional<std::string_view> as_view(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  return std::string_view(*text);
}

// The config, and --account checked against it: nullopt after the error
// (exit 2: a usage or config error).
std::optional<config::Config> load_for(const GlobalOptions& global, const std::optional<std::string>& account,
                                       std::string_view command) {
  std::optional<config::Config> cfg = load_config_or_report(global.config_path);
  if (!cfg || !account_is_known(*cfg, account, command)) return std::nullopt;
  return cfg;
}

}  // namespace

int list_messages(const GlobalOptions& global, const ListOptions& options) {
  std::optional<config::Config> cfg = load_for(global, options.account, "list");
  if (!cfg) return kExitUsage;
  OpenedArchive opened = open_existing_archive(*cfg);
  if (!opened.archive) {
    if (options.json && opened.exit_code == kExitOk) print_messages_json({}, std::nullopt);
    return opened.exit_code;
  }
  auto messages = opened.archive->list(as_view(options.account), options.limit);
  if (!messages) {
    print_error(messages.error().message);
    return kExitFailed;
  }
  if (options.json) {
    print_messages_json(*messages, std::nullopt);
  } else {
    print_message_table(*messages);
  }
  return kExitOk;
}

int search_messages(const GlobalOptions& global, const SearchOptions& options) {
  std::optional<config::Config> cfg = load_for(global, options.account, "search");
  if (!cfg) return kExitUsage;
  OpenedArchive opened = open_existing_archive(*cfg);
  if (!opened.archive) {
    if (options.json && opened.exit_code == kExitOk) print_messages_json({}, 0);
    return opened.exit_code;
  }
  store::Archive& archive = *opened.archive;
  std::string query = options.query;
  auto found = archive.search(query, as_view(options.account), options.limit);
  if (!found) {
    // Not FTS5 syntax after all: search for the words as typed.
    query = quote_words(options.query);
    auto retry = archive.search(query, as_view(options.account), options.limit);
    if (!retry) {
      print_error(found.error().message);
      return kExitUsage;
    }
    found = std::move(retry);
  }
  auto total = archive.count_matches(query, as_view(options.account));
  if (!total) {
    print_error(total.error().message);
    return kExitFailed;
  }
  if (options.json) {
    print_messages_json(*found, *total);
    return kExitOk;
  }
  print_message_table(*found);
  std::printf("%zu of %lld match%s\n", found->size(), static_cast<long long>(*total),
              *total == 1 ? "" : "es");
  return kExitOk;
}

int show_message(const GlobalOptions& global, std::int64_t id, bool headers_only) {
  std::optional<config::Config> cfg = load_config_or_report(global.config_path);
  if (!cfg) return kExitUsage;
  OpenedArchive opened = open_existing_archive(*cfg);
  if (!opened.archive) return kExitFailed;  // no archive: no such message either
  auto raw = opened.archive->raw_message(id);
  if (!raw) {
    print_error(raw.error().message);
    return kExitFailed;
  }
  if (!raw->has_value()) {
    print_error("show: no such message: " + std::to_string(id) + " (see popfetchd list)");
    return kExitFailed;
  }
  // The archive's bytes exactly, CRLF line ends and all.
  const std::string_view bytes = headers_only ? store::header_block_of(**raw) : std::string_view(**raw);
  if (std::fwrite(bytes.data(), 1, bytes.size(), stdout) != bytes.size() || std::fflush(stdout) != 0) {
    print_error("show: writing the message to stdout failed");
    return kExitFailed;
  }
  return kExitOk;
}

int export_archive(const GlobalOptions& global, const std::optional<std::string>& maildir,
                   const std::optional<std::string>& mbox, const std::optional<std::string>& account) {
  std::optional<config::Config> cfg = load_for(global, account, "export");
  if (!cfg) return kExitUsage;
  OpenedArchive opened = open_existing_archive(*cfg);
  if (!opened.archive) return opened.exit_code;
  store::Archive& archive = *opened.archive;
  common::Result<store::ExportStats> stats = maildir
                                                 ? store::export_maildir(archive, *maildir, as_view(account))
                                                 : store::export_mbox(archive, *mbox, as_view(account));
  if (!stats) {
    print_error(stats.error().message);
    return kExitFailed;
  }
  if (maildir) {
    // Re-running an export is normal (it is idempotent): say what was new.
    std::printf("exported %lld message%s (%s) to %s; %lld already there\n",
                static_cast<long long>(stats->messages), stats->messages == 1 ? "" : "s",
                common::format_bytes(static_cast<std::uint64_t>(stats->bytes)).c_str(), maildir->c_str(),
                static_cast<long long>(stats->already_there));
    return kExitOk;
  }
  std::printf("exported %lld message%s (%s) to %s\n", static_cast<long long>(stats->messages),
              stats->messages == 1 ? "" : "s", common::format_bytes(static_cast<std::uint64_t>(stats->bytes)).c_str(),
              mbox->c_str());
  return kExitOk;
}

int backup_archive(const GlobalOptions& global, const std::string& file) {
  std::optional<config::Config> cfg = load_config_or_report(global.config_path);
  if (!cfg) return kExitUsage;
  // A usage error said up front; store::backup_archive refuses it too
  // (O_EXCL), should the file appear meanwhile.
  struct stat st {};
  if (lstat(file.c_str(), &st) == 0) {
    print_error("backup: " + file +
                " already exists; a backup never overwrites a file (remove it or choose another name)");
    return kExitUsage;
  }
  common::Result<store::BackupStats> stats = store::backup_archive(cfg->database, file);
  if (!stats) {
    print_error(stats.error().message);
    return kExitFailed;
  }
  std::printf("backed up %lld message%s from %s to %s (%s)\n", static_cast<long long>(stats->messages),
              stats->messages == 1 ? "" : "s", cfg->database.c_str(), file.c_str(),
              common::format_bytes(static_cast<std::uint64_t>(stats->bytes)).c_str());
  return kExitOk;
}

}  // namespace app
