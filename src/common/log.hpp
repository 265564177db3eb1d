#pragma once
// One-line log records on stderr, in a form journald understands: with
// stderr on the journal (stderr_is_journal()) each line starts
// with a syslog priority "<N>"; otherwise with a UTC timestamp and the level.
// The account name, when there is one, is on every line. Callers pass server
// text through common::sanitize() first and never pass a password.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace common {

enum class LogLevel { Error, Warn, Info, Debug };

std::string_view to_string(LogLevel level);
std::optional<LogLevel> parse_log_level(std::string_view text);

void set_log_level(LogLevel level);
LogLevel log_level();
bool log_enabled(LogLevel level);

// Replaces the stderr writer (tests capture the log this way). The sink gets
// the finished line without its newline. An empty function restores stderr.
void set_log_sink(std::function<void(std::string_view line)> sink);

void log(LogLevel level, std::string_view account, std::string_view message);

// True when JOURNAL_STREAM ("<dev>:<inode>", set by systemd) names the file
// that `fd` is: a variable inherited by a process whose stderr was then
// redirected elsewhere (a shell in a unit, a pipe) does not count.
bool journal_stream_matches(const char* journal_stream, int fd);
// journal_stream_matches($JOURNAL_STREAM, 2), decided once per process.
bool stderr_is_journal();

inline void log_error(std::string_view account, std::string_view message) { log(LogLevel::Error, account, message); }
inline void log_warn(std::string_view account, std::string_view message) { log(LogLevel::Warn, account, message); }
inline void log_info(std::string_view account, std::string_view message) { log(LogLevel::Info, account, message); }
inline void log_debug(std::string_view account, std::string_view message) { log(LogLevel::Debug, account, message); }

}  // namespace common
