#include "store/export.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "common/unique_fd.hpp"

namespace store {
namespace {

std::atomic<std::uint64_t> g_maildir_sequence{0};

common::Error io_error(const std::string& what) {
  return common::make_error(common::ErrorKind::Io, what + ": " + std::strerror(errno));
}

common::Status write_all(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("writing " + path);
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

common::Status make_dir(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) return io_error("creating directory " + path);
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return io_error("checking directory " + path);
  if (!S_ISDIR(info.st_mode)) {
    return common::make_error(common::ErrorKind::Io, path + " exists and is not a directory");
  }
  return {};
}

common::Status fsync_path(const std::string& path, int flags) {
  common::UniqueFd fd(::open(path.c_str(), flags | O_CLOEXEC));
  if (!fd.valid()) return io_error("opening " + path);
  if (::fsync(fd.get()) != 0) return io_error("syncing " + path);
  return {};
}

// Maildir names must not contain '/' or ':' (the info separator).
std::string maildir_host() {
  std::array<char, 256> buffer{};
  if (::gethostname(buffer.data(), buffer.size() - 1) != 0) return "localhost";
  std::string out;
  for (const char* p = buffer.data(); *p != '\0'; ++p) {
    if (*p == '/') {
      out += "\\057";
    } else if (*p == ':') {
      out += "\\072";
    } else {
      out += *p;
    }
  }
  return out.empty() ? "localhost" : out;
}

// "Thu Nov 24 18:22:48 1986" in UTC, without the locale asctime() would use.
std::string asctime_utc(std::int64_t unix_seconds) {
  static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  if (::gmtime_r(&t, &tm) == nullptr) return "Thu Jan  1 00:00:00 1970";
  std::array<char, 64> buffer{};
  std::snprintf(buffer.data(), buffer.size(), "%s %s %2d %02d:%02d:%02d %d",
                kDays[static_cast<std::size_t>(tm.tm_wday)], kMonths[static_cast<std::size_t>(tm.tm_mon)],
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_year + 1900);
  return buffer.data();
}

// The From_ line's sender: the address in the From header when it is a plain
// token, else MAILER-DAEMON (the line must stay one space-separated word).
std::string envelope_sender(std::string_view from) {
  const std::size_t open = from.rfind('<');
  const std::size_t close = open == std::string_view::npos ? open : from.find('>', open);
  std::string_view address =
      (close != std::string_view::npos) ? from.substr(open + 1, close - open - 1) : from;
  if (address.empty() || address.find('@') == std::string_view::npos) return "MAILER-DAEMON";
  for (char c : address) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 32 || u >= 127) return "MAILER-DAEMON";
  }
  return std::string(address);
}

bool needs_from_quoting(std::string_view line) {
  std::size_t i = 0;
  while (i < line.size() && line[i] == '>') ++i;
  return line.substr(i).rfind("From ", 0) == 0;
}

}  // namespace

std::string crlf_to_lf(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n') continue;
    out += raw[i];
  }
  return out;
}

std::string mboxrd_entry(const MessageSummary& message, std::string_view raw) {
  const std::string text = crlf_to_lf(raw);
  std::string out = "From " + envelope_sender(message.from) + " " + asctime_utc(message.fetched_at) + "\n";
  out.reserve(out.size() + text.size() + text.size() / 50 + 2);
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t lf = text.find('\n', pos);
    const std::size_t end = lf == std::string::npos ? text.size() : lf + 1;
    const std::string_view line = std::string_view(text).substr(pos, end - pos);
    if (needs_from_quoting(line)) out += '>';
    out += line;
    pos = end;
  }
  if (!text.empty() && text.back() != '\n') out += '\n';
  out += '\n';
  return out;
}

common::Result<ExportStats> export_maildir(Archive& archive, const std::string& dir,
                                           std::optional<std::string_view> account) {
  for (const std::string& path : {dir, dir + "/tmp", dir + "/new", dir + "/cur"}) {
    if (auto s = make_dir(path); !s) return s.error();
  }
  const std::string host = maildir_host();
  const long pid = static_cast<long>(::getpid());
  ExportStats stats;
  auto status =
      archive.for_each_message(account, [&](const MessageSummary& m, std::string_view raw) -> common::Status {
        const std::string text = crlf_to_lf(raw);
        // Unique: the pid tells processes apart, the process-wide counter the
        // messages of one process (even across several exports into one Maildir).
        const std::string name = std::to_string(::time(nullptr)) + ".M" + std::to_string(m.id) + "P" +
                                 std::to_string(pid) + "Q" + std::to_string(++g_maildir_sequence) + "." +
                                 host + ",S=" + std::to_string(text.size());
        const std::string tmp_path = dir + "/tmp/" + name;
        const std::string new_path = dir + "/new/" + name;
        common::UniqueFd fd(::open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
        if (!fd.valid()) return io_error("creating " + tmp_path);
        common::Status written = write_all(fd.get(), text, tmp_path);
        // Maildir readers take the file's mtime as the arrival time.
        const struct timespec times[2] = {{static_cast<time_t>(m.fetched_at), 0},
                                          {static_cast<time_t>(m.fetched_at), 0}};
        if (written && ::futimens(fd.get(), times) != 0)
          written = io_error("setting the time of " + tmp_path);
        if (written && ::fsync(fd.get()) != 0) written = io_error("syncing " + tmp_path);
        fd.reset();
        if (written && ::rename(tmp_path.c_str(), new_path.c_str()) != 0)
          written = io_error("renaming to " + new_path);
        if (!written) {
          ::unlink(tmp_path.c_str());
          return written;
        }
        ++stats.messages;
        stats.bytes += static_cast<std::int64_t>(text.size());
        return {};
      });
  if (!status) return status.error();
  // The renames are durable only once the directory itself is synced.
  if (auto s = fsync_path(dir + "/new", O_RDONLY | O_DIRECTORY); !s) return s.error();
  return stats;
}

common::Result<ExportStats> export_mbox(Archive& archive, const std::string& file,
                                        std::optional<std::string_view> account) {
  common::UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd.valid()) {
    if (errno == EEXIST) {
      return common::make_error(
          common::ErrorKind::Io,
          file + " already exists; export writes a new mbox file, it never overwrites or appends");
    }
    return io_error("creating " + file);
  }
  // Buffered: one write() per megabyte rather than per message.
  constexpr std::size_t kFlushAt = 1024 * 1024;
  std::string buffer;
  ExportStats stats;
  auto status =
      archive.for_each_message(account, [&](const MessageSummary& m, std::string_view raw) -> common::Status {
        const std::string entry = mboxrd_entry(m, raw);
        buffer += entry;
        ++stats.messages;
        stats.bytes += static_cast<std::int64_t>(entry.size());
        if (buffer.size() >= kFlushAt) {
          auto s = write_all(fd.get(), buffer, file);
          buffer.clear();
          return s;
        }
        return {};
      });
  if (status) status = write_all(fd.get(), buffer, file);
  if (status && ::fsync(fd.get()) != 0) status = io_error("syncing " + file);
  if (!status) {
    fd.reset();
    ::unlink(file.c_str());  // a half-written mailbox would look complete
    return status.error();
  }
  return stats;
}

}  // namespace store
