#include "deliver/mboxrd.hpp"

#include <array>
#include <cstdio>
#include <ctime>

#include "deliver/line_ends.hpp"
#include "mail/headers.hpp"

namespace deliver {
namespace {

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

std::string mboxrd_entry(std::string_view from, std::int64_t fetched_at, std::string_view raw) {
  const std::string text = crlf_to_lf(raw);
  std::string out = "From " + envelope_sender(from) + " " + asctime_utc(fetched_at) + "\n";
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

std::string mboxrd_entry(const Message& message) {
  const mail::HeaderFields fields = mail::parse_headers(message.raw);
  return mboxrd_entry(fields.from.value_or(""), message.fetched_at, message.raw);
}

}  // namespace deliver
