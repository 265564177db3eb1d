#include "pop3/listing.hpp"

#include <charconv>
#include <utility>

#include "pop3/limits.hpp"

namespace pop3 {
namespace {

// Reads a decimal number at the start of `text`, then the spaces after it.
// Returns nullopt when there is no digit or the value does not fit.
template <class T>
std::optional<T> take_number(std::string_view& text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0) return std::nullopt;
  T value{};
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + digits, value);
  if (ec != std::errc() || ptr != text.data() + digits) return std::nullopt;
  text.remove_prefix(digits);
  return value;
}

// Requires at least one space and skips all of them (RFC says one; servers vary).
bool take_spaces(std::string_view& text) {
  if (text.empty() || text.front() != ' ') return false;
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  return true;
}

// "number SP number [SP anything]"
template <class First>
std::optional<std::pair<First, std::uint64_t>> parse_two_numbers(std::string_view line) {
  auto first = take_number<First>(line);
  if (!first || !take_spaces(line)) return std::nullopt;
  auto second = take_number<std::uint64_t>(line);
  if (!second) return std::nullopt;
  // RFC 1939 §5 lets servers add information after the size.
  if (!line.empty() && line.front() != ' ') return std::nullopt;
  return std::pair{*first, *second};
}

}  // namespace

std::string_view uidl_problem(std::string_view uidl) {
  if (uidl.empty()) return "empty unique-id";
  if (uidl.size() > kMaxUidlLength) return "unique-id too long";
  for (unsigned char c : uidl) {
    if (c < 0x21 || c > 0x7e) return "unique-id contains a character outside 0x21..0x7E";
  }
  return {};
}

Parsed<ScanListing> parse_scan_listing(std::string_view line) {
  auto numbers = parse_two_numbers<std::uint32_t>(line);
  if (!numbers) return {std::nullopt, "not \"msgno size\" with decimal numbers in range"};
  if (numbers->first == 0) return {std::nullopt, "message number 0"};
  return {ScanListing{numbers->first, numbers->second}, {}};
}

Parsed<DropListing> parse_drop_listing(std::string_view line) {
  auto numbers = parse_two_numbers<std::uint32_t>(line);
  if (!numbers) return {std::nullopt, "not \"count size\" with decimal numbers in range"};
  return {DropListing{numbers->first, numbers->second}, {}};
}

Parsed<UidlListing> parse_uidl_listing(std::string_view line) {
  auto msgno = take_number<std::uint32_t>(line);
  if (!msgno || !take_spaces(line))
    return {std::nullopt, "not \"msgno unique-id\" with a decimal number in range"};
  if (*msgno == 0) return {std::nullopt, "message number 0"};
  // The unique-id is the rest of the line: a space inside (or after) it is an error.
  if (std::string_view problem = uidl_problem(line); !problem.empty()) return {std::nullopt, problem};
  return {UidlListing{*msgno, line}, {}};
}

}  // namespace pop3
