#pragma once
// Reading typed values out of yaml-cpp nodes with diagnostics instead of
// exceptions: every reader either returns a value or reports one error (with
// the position of the offending key or value) and returns nullopt, so callers
// simply skip the key and go on validating the rest of the file.
// Touches only the nodes it is given; internal to src/config.

#include <yaml-cpp/yaml.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostic_sink.hpp"
#include "config/key_names.hpp"

namespace config::detail {

// One `key: value` pair of a YAML map whose key is a plain string.
struct Entry {
  std::string key;
  YAML::Node value;
  Location key_location;
  // The value's position, or the key's when the value is null: yaml-cpp marks
  // a null value at the next token, which may be lines further down.
  Location value_location;
};

// The entries of `map` in file order. A key that is not a string, or that
// repeats an earlier key (yaml-cpp keeps both), is reported and skipped.
std::vector<Entry> map_entries(const YAML::Node& map, DiagnosticSink& sink);

// The scalar text of the entry's value. A list or map is an error
// "<key> must be <expected>, not a list"; a null value is "" when `allow_null`,
// else the error "<key> needs a value: <expected>".
std::optional<std::string> scalar_text(const Entry& entry, std::string_view expected, DiagnosticSink& sink,
                                       bool allow_null = false);

// `text` made safe and short for a message, in single quotes: user input is
// echoed back so the user sees what was read (never for password keys).
std::string quote_value(std::string_view text);

// Decimal digits with an optional leading '-'; nothing else (no '+', hex, spaces).
std::optional<std::int64_t> parse_integer(std::string_view text);
// YAML 1.2 core booleans: true/True/TRUE, false/False/FALSE. Not yes/no/on/off:
// "keep: no" reading as false would be a surprise to half the readers.
std::optional<bool> parse_bool(std::string_view text);

// A program to run without a shell: a non-empty list of strings whose first
// word is an absolute path (mda:, on_failure:, on_new_mail:). Errors name the
// entry's key.
std::optional<std::vector<std::string>> read_argv(const Entry& entry, DiagnosticSink& sink);

// "one of: a, b, c"
template <class E, std::size_t N>
std::string one_of(const std::array<EnumName<E>, N>& names) {
  std::string text = "one of: ";
  for (std::size_t i = 0; i < N; ++i) {
    if (i > 0) text += ", ";
    text += names[i].name;
  }
  return text;
}

template <class E, std::size_t N>
std::optional<E> read_enum(const Entry& entry, const std::array<EnumName<E>, N>& names,
                           DiagnosticSink& sink) {
  const std::string expected = one_of(names);
  const auto text = scalar_text(entry, expected, sink);
  if (!text) return std::nullopt;
  for (const auto& name : names) {
    if (*text == name.name) return name.value;
  }
  sink.error(entry.value_location, entry.key + " must be " + expected + " (got " + quote_value(*text) + ")");
  return std::nullopt;
}

}  // namespace config::detail
