// parse_duration and parse_size: strict, so that a typo is an error instead of
// a surprising value ("1.5h" is not silently 1 hour, "5M" is not months or MiB).
#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>
#include <utility>

#include "config/config.hpp"

namespace config {
namespace {

struct Number {
  std::uint64_t value;
  std::string_view suffix;
};

// Leading decimal digits (at least one) and whatever follows them. No sign, no
// fraction, no exponent, no spaces: "-5", "+5", "1.5h" and "5 m" all fail later
// because their "suffix" is not a known unit.
std::optional<Number> split_number(std::string_view text) {
  std::size_t digits = 0;
  std::uint64_t value = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') {
    const auto digit = static_cast<std::uint64_t>(text[digits] - '0');
    if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
    ++digits;
  }
  if (digits == 0) return std::nullopt;
  return Number{value, text.substr(digits)};
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

std::optional<std::chrono::seconds> parse_duration(std::string_view text) {
  // Units are lower case only: "M" would be read as months by some and minutes by others.
  static constexpr std::array<std::pair<std::string_view, std::uint64_t>, 5> kUnits = {{
      {"", 1},
      {"s", 1},
      {"m", 60},
      {"h", 3600},
      {"d", 86400},
  }};
  const auto number = split_number(text);
  if (!number) return std::nullopt;
  const auto max = static_cast<std::uint64_t>(kMaxDuration.count());
  for (const auto& [unit, multiplier] : kUnits) {
    if (number->suffix != unit) continue;
    if (number->value > max / multiplier) return std::nullopt;
    return std::chrono::seconds(static_cast<std::int64_t>(number->value * multiplier));
  }
  return std::nullopt;
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
  static constexpr std::uint64_t kKilo = 1000;
  static constexpr std::uint64_t kKibi = 1024;
  static constexpr std::array<std::pair<std::string_view, std::uint64_t>, 8> kUnits = {{
      {"", 1},
      {"B", 1},
      {"KB", kKilo},
      {"MB", kKilo * kKilo},
      {"GB", kKilo * kKilo * kKilo},
      {"KiB", kKibi},
      {"MiB", kKibi * kKibi},
      {"GiB", kKibi * kKibi * kKibi},
  }};
  const auto number = split_number(text);
  if (!number) return std::nullopt;
  for (const auto& [unit, multiplier] : kUnits) {
    if (!iequals(number->suffix, unit)) continue;
    if (number->value > std::numeric_limits<std::uint64_t>::max() / multiplier) return std::nullopt;
    return number->value * multiplier;
  }
  return std::nullopt;
}

}  // namespace config
