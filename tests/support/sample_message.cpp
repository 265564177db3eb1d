#include "support/sample_message.hpp"

#include <array>
#include <random>
#include <string_view>

namespace test_support {
namespace {

constexpr std::array<std::string_view, 8> kNames = {"Alice Archer", "Bob Baker",   "Carol Chen",
                                                    "Dan Dvořák",   "Eve Evans",   "Frank Fischer",
                                                    "Grace García", "Heidi Hansen"};
constexpr std::array<std::string_view, 8> kSubjects = {
    "Quarterly report", "Lunch on Friday?", "Re: server migration", "Invoice 2023-117",
    "Grüße aus Köln",   "Fwd: photos",      "Meeting notes",        "Prix: 12 € — réunion"};
constexpr std::array<std::string_view, 24> kWords = {
    "the",     "archive", "message", "server",  "mailbox", "poll",   "daemon",   "retry",
    "account", "storage", "window",  "commit",  "backup",  "review", "schedule", "network",
    "deliver", "header",  "report",  "monthly", "budget",  "draft",  "update",   "please"};
constexpr std::array<std::string_view, 4> kEightBitLines = {
    "Grüße aus Köln, schöne Tage!", "Prix: 12 € — à bientôt.", "Ελληνικά και русский текст.",
    "Emoji ✓ and CJK 日本語."};
constexpr std::array<std::string_view, 3> kDotLines = {".", "..", ".leading dot line"};
constexpr std::array<std::string_view, 7> kDays = {"Thu", "Fri", "Sat", "Sun",
                                                   "Mon", "Tue", "Wed"};  // 1970-01-01 was a Thursday
constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::size_t kBodyLineWidth = 72;

// The engine's raw output is fully specified by the standard; the standard
// distributions are not, so we map it ourselves to stay deterministic.
struct Rng {
  std::mt19937_64 engine;
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(engine() % n); }
};

std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16 | static_cast<unsigned char>(in[i + 1]) << 8 |
                       static_cast<unsigned char>(in[i + 2]);
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], kAlphabet[v & 63]};
  }
  if (i + 1 == in.size()) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16 | static_cast<unsigned char>(in[i + 1]) << 8;
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], '='};
  }
  return out;
}

bool is_ascii(std::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

// RFC 2047: non-ASCII header text must be an encoded-word.
std::string header_text(std::string_view text, bool force_encoding) {
  if (is_ascii(text) && !force_encoding) return std::string(text);
  return "=?UTF-8?B?" + base64(text) + "?=";
}

std::string local_part(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c == ' ') break;
    if (c >= 'A' && c <= 'Z')
      out += static_cast<char>(c - 'A' + 'a');
    else if (c >= 'a' && c <= 'z')
      out += c;
  }
  return out.empty() ? "user" : out;
}

std::string mailbox(std::string_view name) {
  return header_text(name, false) + " <" + local_part(name) + "@example.org>";
}

// RFC 5322 date-time in UTC from seconds since the epoch (civil-from-days).
std::string rfc5322_date(std::int64_t seconds) {
  const std::int64_t days = seconds / 86400;
  const std::int64_t rest = seconds % 86400;
  std::int64_t z = days + 719468;
  const std::int64_t era = z / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  auto two = [](std::int64_t v) { return (v < 10 ? "0" : "") + std::to_string(v); };
  return std::string(kDays[static_cast<std::size_t>(days % 7)]) + ", " + std::to_string(day) + " " +
         std::string(kMonths[static_cast<std::size_t>(month - 1)]) + " " + std::to_string(year) + " " +
         two(rest / 3600) + ":" + two(rest / 60 % 60) + ":" + two(rest % 60) + " +0000";
}

}  // namespace

std::string make_message(std::uint64_t seed, std::size_t approx_size, const MessageOptions& options) {
  Rng rng{std::mt19937_64(seed)};
  const std::string_view eol = options.crlf ? "\r\n" : "\n";
  const std::string_view from = kNames[rng.below(kNames.size())];
  const std::string_view to = kNames[rng.below(kNames.size())];
  const std::string_view subject = kSubjects[rng.below(kSubjects.size())];
  // Some ASCII subjects are encoded anyway, as real mailers do.
  const bool encode_subject = rng.below(4) == 0;
  const std::int64_t date = 1'600'000'000 + static_cast<std::int64_t>(rng.below(200'000'000));

  std::string out;
  out.reserve(approx_size + 128);
  auto header = [&](std::string_view name, const std::string& value) {
    out.append(name).append(": ").append(value).append(eol);
  };
  header("From", mailbox(from));
  header("To", mailbox(to));
  header("Subject", header_text(subject, encode_subject) + " #" + std::to_string(seed));
  header("Date", rfc5322_date(date));
  header("Message-ID", "<" + std::to_string(seed) + "." + std::to_string(rng.engine() % 1'000'000'007) +
                           "@fixture.popfetchd.test>");
  header("MIME-Version", "1.0");
  header("Content-Type", options.eight_bit ? "text/plain; charset=utf-8" : "text/plain; charset=us-ascii");
  header("Content-Transfer-Encoding", options.eight_bit ? "8bit" : "7bit");
  out.append(eol);

  std::size_t line_number = 0;
  // Special lines go first so that even a small message carries them.
  if (options.dot_lines) {
    for (auto line : kDotLines) out.append(line).append(eol);
  }
  if (options.eight_bit) out.append(kEightBitLines[rng.below(kEightBitLines.size())]).append(eol);
  out.append("Hello ").append(local_part(to)).append(",").append(eol);
  while (out.size() < approx_size) {
    ++line_number;
    std::string line;
    if (options.eight_bit && line_number % 7 == 0) {
      line = kEightBitLines[rng.below(kEightBitLines.size())];
    } else if (options.dot_lines && line_number % 11 == 0) {
      line = kDotLines[rng.below(kDotLines.size())];
    } else {
      while (line.size() < kBodyLineWidth - 12) {
        if (!line.empty()) line += ' ';
        line += kWords[rng.below(kWords.size())];
      }
    }
    out.append(line).append(eol);
  }
  return out;
}

}  // namespace test_support
