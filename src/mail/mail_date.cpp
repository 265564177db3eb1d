// RFC 5322 date parsing, declared in headers.hpp.
//   date-time = [ day-of-week "," ] date time [CFWS]
//   date      = day month year
//   time      = hour ":" minute [ ":" second ] FWS zone
//   zone      = ( "+" / "-" ) 4DIGIT
//   obs-zone  = "UT" / "GMT" / "EST" / "EDT" / "CST" / "CDT" / "MST" / "MDT" / "PST" / "PDT" / military
//   letters
// Obsolete forms (§4.3) are accepted: 2- and 3-digit years, CFWS between
// tokens, missing day of week or seconds. Military zones and unknown names
// count as -0000, as §4.3 says. A missing zone is read as UTC: it is common
// in broken mail and the time is still more useful than nothing.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "mail/charset.hpp"
#include "mail/headers.hpp"

namespace mail {
namespace {

constexpr std::array<std::string_view, 12> kMonths = {"jan", "feb", "mar", "apr", "may", "jun",
                                                      "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 7> kDays = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Comments "( ... )" (nested, with quoted-pairs) become one space each.
std::string strip_comments(std::string_view value) {
  std::string out;
  int depth = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (depth > 0) {
      if (c == '\\') {
        ++i;
      } else if (c == '(') {
        ++depth;
      } else if (c == ')') {
        if (--depth == 0) out += ' ';
      }
      continue;
    }
    if (c == '(') {
      depth = 1;
    } else {
      out += c;
    }
  }
  return out;
}

class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}

  void skip_space() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\r' || text_[pos_] == '\n')) {
      ++pos_;
    }
  }
  bool at_end() {
    skip_space();
    return pos_ >= text_.size();
  }
  bool accept(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  char peek() {
    skip_space();
    return pos_ < text_.size() ? text_[pos_] : '\0';
  }
  // Up to `max_digits` digits; nullopt when there are none or more than max.
  std::optional<int> number(std::size_t max_digits, std::size_t* digits = nullptr) {
    skip_space();
    std::size_t start = pos_;
    int value = 0;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      if (pos_ - start >= max_digits) return std::nullopt;
      value = value * 10 + (text_[pos_] - '0');
      ++pos_;
    }
    if (pos_ == start) return std::nullopt;
    if (digits != nullptr) *digits = pos_ - start;
    return value;
  }
  std::string_view word() {
    skip_space();
    const std::size_t start = pos_;
    while (pos_ < text_.size() &&
           ((text_[pos_] >= 'a' && text_[pos_] <= 'z') || (text_[pos_] >= 'A' && text_[pos_] <= 'Z'))) {
      ++pos_;
    }
    return text_.substr(start, pos_ - start);
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

std::optional<int> month_index(std::string_view word) {
  if (word.size() < 3) return std::nullopt;
  for (std::size_t i = 0; i < kMonths.size(); ++i) {
    if (iequals(word.substr(0, 3), kMonths[i])) return static_cast<int>(i) + 1;
  }
  return std::nullopt;
}

bool is_day_name(std::string_view word) {
  if (word.size() < 3) return false;
  for (auto day : kDays) {
    if (iequals(word.substr(0, 3), day)) return true;
  }
  return false;
}

// Offset in minutes east of UTC for a zone name.
int named_zone_minutes(std::string_view name) {
  struct Zone {
    std::string_view name;
    int hours;
  };
  static constexpr std::array<Zone, 11> kZones = {{{"UT", 0},
                                                   {"UTC", 0},
                                                   {"GMT", 0},
                                                   {"EST", -5},
                                                   {"EDT", -4},
                                                   {"CST", -6},
                                                   {"CDT", -5},
                                                   {"MST", -7},
                                                   {"MDT", -6},
                                                   {"PST", -8},
                                                   {"PDT", -7}}};
  for (const auto& zone : kZones) {
    if (iequals(name, zone.name)) return zone.hours * 60;
  }
  return 0;
}

bool leap_year(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int days_in_month(int year, int month) {
  static constexpr std::array<int, 12> kDaysIn = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && leap_year(year)) return 29;
  return kDaysIn[static_cast<std::size_t>(month - 1)];
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
// days_from_civil): no timegm(), no TZ environment, no locale.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

}  // namespace

std::optional<std::int64_t> parse_date(std::string_view value) {
  if (value.size() > 1024) return std::nullopt;  // no honest date is this long
  const std::string text = strip_comments(value);
  Cursor in(text);

  // [ day-of-week "," ]
  if (is_alpha(in.peek())) {
    if (!is_day_name(in.word())) return std::nullopt;
    in.accept(',');
  }
  const auto day = in.number(2);
  if (!day) return std::nullopt;
  in.accept('-');  // "1-Jan-2024" is not RFC 5322 but is seen in the wild
  const auto month = month_index(in.word());
  if (!month) return std::nullopt;
  in.accept('-');
  std::size_t year_digits = 0;
  auto year = in.number(4, &year_digits);
  if (!year || year_digits < 2) return std::nullopt;
  if (year_digits == 2) *year += *year < 50 ? 2000 : 1900;  // obs-year
  if (year_digits == 3) *year += 1900;
  if (*year < 1900) return std::nullopt;

  const auto hour = in.number(2);
  if (!hour || !in.accept(':')) return std::nullopt;
  const auto minute = in.number(2);
  if (!minute) return std::nullopt;
  int second = 0;
  if (in.accept(':')) {
    const auto s = in.number(2);
    if (!s) return std::nullopt;
    second = *s;
  }
  if (*hour > 23 || *minute > 59 || second > 60) return std::nullopt;  // 60: a leap second
  if (*day < 1 || *day > days_in_month(*year, *month)) return std::nullopt;

  int zone_minutes = 0;
  const char sign = in.peek();
  if (sign == '+' || sign == '-') {
    in.accept(sign);
    std::size_t digits = 0;
    const auto zone = in.number(4, &digits);
    if (!zone || digits != 4 || *zone % 100 > 59) return std::nullopt;
    zone_minutes = (*zone / 100) * 60 + *zone % 100;
    if (sign == '-') zone_minutes = -zone_minutes;
  } else if (is_alpha(sign)) {
    zone_minutes = named_zone_minutes(in.word());
  } else if (!in.at_end()) {
    return std::nullopt;
  }
  // Anything after the zone (a second zone name, garbage) is ignored.

  const std::int64_t days =
      days_from_civil(*year, static_cast<unsigned>(*month), static_cast<unsigned>(*day));
  return days * 86400 + *hour * 3600 + *minute * 60 + second - static_cast<std::int64_t>(zone_minutes) * 60;
}

}  // namespace mail
