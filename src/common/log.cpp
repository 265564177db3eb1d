#include "common/log.hpp"

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

namespace common {
namespace {

LogLevel g_level = LogLevel::Info;
std::function<void(std::string_view)> g_sink;

int syslog_priority(LogLevel level) {
  switch (level) {
    case LogLevel::Error: return 3;
    case LogLevel::Warn: return 4;
    case LogLevel::Info: return 6;
    case LogLevel::Debug: return 7;
  }
  return 6;
}

}  // namespace

bool journal_stream_matches(const char* journal_stream, int fd) {
  if (journal_stream == nullptr) return false;
  unsigned long long device = 0;
  unsigned long long inode = 0;
  char rest = 0;
  if (std::sscanf(journal_stream, "%llu:%llu%c", &device, &inode, &rest) != 2) return false;
  struct stat st {};
  if (::fstat(fd, &st) != 0) return false;
  return static_cast<unsigned long long>(st.st_dev) == device && static_cast<unsigned long long>(st.st_ino) == inode;
}

bool stderr_is_journal() {
  static const bool journal = journal_stream_matches(std::getenv("JOURNAL_STREAM"), 2);
  return journal;
}

std::string_view to_string(LogLevel level) {
  switch (level) {
    case LogLevel::Error: return "error";
    case LogLevel::Warn: return "warn";
    case LogLevel::Info: return "info";
    case LogLevel::Debug: return "debug";
  }
  return "info";
}

std::optional<LogLevel> parse_log_level(std::string_view text) {
  for (LogLevel level : {LogLevel::Error, LogLevel::Warn, LogLevel::Info, LogLevel::Debug}) {
    if (text == to_string(level)) return level;
  }
  return std::nullopt;
}

void set_log_level(LogLevel level) { g_level = level; }
LogLevel log_level() { return g_level; }
bool log_enabled(LogLevel level) { return static_cast<int>(level) <= static_cast<int>(g_level); }

void set_log_sink(std::function<void(std::string_view)> sink) { g_sink = std::move(sink); }

void log(LogLevel level, std::string_view account, std::string_view message) {
  if (!log_enabled(level)) return;
  std::string line;
  line.reserve(message.size() + account.size() + 40);
  if (g_sink || !stderr_is_journal()) {
    char stamp[32];
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    line += stamp;
    line += ' ';
    line += to_string(level);
    line += ' ';
  } else {
    line += '<';
    line += std::to_string(syslog_priority(level));
    line += '>';
  }
  if (!account.empty()) {
    line += '[';
    line += account;
    line += "] ";
  }
  line += message;
  if (g_sink) {
    g_sink(line);
    return;
  }
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace common
