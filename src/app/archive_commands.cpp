// `popfetchd list`, `search` and `export`: read the archive named in the config.

#include <sys/stat.h>

#include <cstdio>
#include <string>
#include <vector>

#include "app/commands.hpp"
#include "app/load_config.hpp"
#include "common/format.hpp"
#include "store/archive.hpp"
#include "store/export.hpp"

namespace app {
namespace {

// Archive text (decoded From/Subject) is UTF-8 from a stranger's mail: keep
// the characters, drop the control bytes that could drive the terminal, and
// cut at `max_chars` code points (never inside a UTF-8 sequence).
std::string terminal_text(std::string_view text, std::size_t max_chars) {
  std::string out;
  std::size_t chars = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    const bool starts_char = (c & 0xC0) != 0x80;
    if (starts_char && ++chars > max_chars) {
      out += "...";
      break;
    }
    out.push_back(c < 0x20 || c == 0x7f ? ' ' : static_cast<char>(c));
  }
  return out;
}

// The archive, or the exit status when there is none to read: no database
// yet is not an error (nothing fetched so far: an empty listing), a database
// that cannot be opened is.
struct OpenedArchive {
  std::optional<store::Archive> archive;
  int exit_code = kExitOk;
};

OpenedArchive open_existing_archive(const config::Config& cfg) {
  struct stat st{};
  if (stat(cfg.database.c_str(), &st) != 0) {
    std::fprintf(stderr, "popfetchd: no archive at %s yet (nothing has been fetched)\n", cfg.database.c_str());
    return {std::nullopt, kExitOk};
  }
  common::Result<store::Archive> archive = store::Archive::open(cfg.database);
  if (!archive) {
    print_error(archive.error().message);
    return {std::nullopt, kExitFailed};
  }
  return {std::move(archive).value(), kExitOk};
}

// `text` padded with spaces to `width` characters (printf pads bytes, which
// misaligns the columns after a UTF-8 name).
std::string padded(std::string text, std::size_t width) {
  std::size_t chars = 0;
  for (unsigned char c : text) chars += (c & 0xC0) != 0x80 ? 1 : 0;
  if (chars < width) text.append(width - chars, ' ');
  return text;
}

void print_messages(const std::vector<store::MessageSummary>& messages) {
  std::printf("%-8s %-14s %-19s %-30s %-40s %10s\n", "ID", "ACCOUNT", "DATE (UTC)", "FROM", "SUBJECT", "SIZE");
  for (const store::MessageSummary& m : messages) {
    std::string date = m.date ? common::format_time(*m.date) : "-";
    if (date.size() > 4) date.resize(date.size() - 4);  // " UTC" is in the heading
    std::printf("%-8lld %s %-19s %s %s %10s\n", static_cast<long long>(m.id),
                padded(terminal_text(m.account, 14), 14).c_str(), date.c_str(),
                padded(terminal_text(m.from, 27), 30).c_str(), padded(terminal_text(m.subject, 37), 40).c_str(),
                common::format_bytes(static_cast<std::uint64_t>(m.size)).c_str());
  }
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

}  // namespace

int list_messages(const GlobalOptions& global, const std::optional<std::string>& account, int limit) {
  std::optional<config::Config> cfg = load_config_or_report(global.config_path);
  if (!cfg) return kExitUsage;
  OpenedArchive opened = open_existing_archive(*cfg);
  if (!opened.archive) return opened.exit_code;
  store::Archive& archive = *opened.archive;
  auto messages = archive.list(as_view(account), limit);
  if (!messages) {
    print_error(messages.error().message);
    return kExitFailed;
  }
  print_messages(*messages);
  return kExitOk;
}

int search_messages(const GlobalOptions& global, const std::string& query, const std::optional<std::string>& account) {
  std::optional<config::Config> cfg = load_config_or_report(global.config_path);
  if (!cfg) return kExitUsage;
  OpenedArchive opened = open_existing_archive(*cfg);
  if (!opened.archive) return opened.exit_code;
  store::Archive& archive = *opened.archive;
  auto found = archive.search(query, as_view(account));
  if (!found) {
    // Not FTS5 syntax after all: search for the words as typed.
    auto retry = archive.search(quote_words(query), as_view(account));
    if (!retry) {
      print_error(found.error().message);
      return kExitUsage;
    }
    found = std::move(retry);
  }
  print_messages(*found);
  return kExitOk;
}

int export_archive(const GlobalOptions& global, const std::optional<std::string>& maildir,
                   const std::optional<std::string>& mbox, const std::optional<std::string>& account) {
  std::optional<config::Config> cfg = load_config_or_report(global.config_path);
  if (!cfg) return kExitUsage;
  OpenedArchive opened = open_existing_archive(*cfg);
  if (!opened.archive) return opened.exit_code;
  store::Archive& archive = *opened.archive;
  common::Result<store::ExportStats> stats = maildir ? store::export_maildir(archive, *maildir, as_view(account))
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

}  // namespace app
