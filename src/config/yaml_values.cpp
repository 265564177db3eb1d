// Typed readers over yaml-cpp nodes; see yaml_values.hpp.
#include "config/yaml_values.hpp"

#include <charconv>
#include <map>

#include "common/sanitize.hpp"

namespace config::detail {
namespace {

// Values echoed in messages are cut short: the point is recognition, not a dump.
constexpr std::size_t kMaxQuotedValue = 60;

std::string_view kind_name(const YAML::Node& node) {
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a map";
  return "a scalar";
}

}  // namespace

std::vector<Entry> map_entries(const YAML::Node& map, DiagnosticSink& sink) {
  std::vector<Entry> entries;
  std::map<std::string, int, std::less<>> first_line;
  // Copies, not references: yaml-cpp's iterator hands out a temporary pair.
  for (const auto& pair : map) {
    const YAML::Node key = pair.first;
    if (!key.IsScalar()) {
      sink.error(key.Mark(), "keys must be plain names, not " + std::string(kind_name(key)));
      continue;
    }
    Entry entry;
    entry.key = key.Scalar();
    entry.value = pair.second;
    entry.key_location = sink.at(key.Mark());
    entry.value_location = entry.value.IsNull() ? entry.key_location : sink.at(entry.value.Mark());
    const auto [seen, inserted] = first_line.emplace(entry.key, entry.key_location.line);
    if (!inserted) {
      sink.error(entry.key_location, "duplicate key " + quote_value(entry.key) + " (first given at line " +
                                         std::to_string(seen->second) + ")");
      continue;
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

std::optional<std::string> scalar_text(const Entry& entry, std::string_view expected, DiagnosticSink& sink,
                                       bool allow_null) {
  if (entry.value.IsNull()) {
    if (allow_null) return std::string();
    sink.error(entry.value_location, entry.key + " needs a value: " + std::string(expected));
    return std::nullopt;
  }
  if (!entry.value.IsScalar()) {
    sink.error(entry.value_location, entry.key + " must be " + std::string(expected) + ", not " +
                                         std::string(kind_name(entry.value)));
    return std::nullopt;
  }
  return entry.value.Scalar();
}

std::string quote_value(std::string_view text) {
  // Appended piecewise: "'" + s + "'" trips GCC 12's false -Wrestrict (PR 105651) at -O2.
  std::string quoted = "'";
  quoted += common::sanitize(text, kMaxQuotedValue);
  quoted += '\'';
  return quoted;
}

std::optional<std::int64_t> parse_integer(std::string_view text) {
  if (text.empty() || text.front() == '+') return std::nullopt;
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value, 10);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

std::optional<bool> parse_bool(std::string_view text) {
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  return std::nullopt;
}

std::optional<std::vector<std::string>> read_argv(const Entry& e, DiagnosticSink& sink) {
  constexpr std::string_view kExpected = "a list: [PROGRAM, ARGUMENT...] (run without a shell)";
  if (e.value.IsScalar()) {
    sink.error(e.value_location, e.key + " must be " + std::string(kExpected) + "; got one string " +
                                     quote_value(e.value.Scalar()) + ": split it into a list");
    return std::nullopt;
  }
  if (!e.value.IsSequence() || e.value.size() == 0) {
    sink.error(e.value_location, e.key + " must be " + std::string(kExpected));
    return std::nullopt;
  }
  std::vector<std::string> argv;
  for (const auto& word : e.value) {
    if (!word.IsScalar()) {
      sink.error(sink.at(word.Mark()), "every word of " + e.key + " must be a string");
      return std::nullopt;
    }
    argv.push_back(word.Scalar());
  }
  if (argv.front().empty() || argv.front().front() != '/') {
    sink.error(e.value_location, e.key + ": the program must be an absolute path (no shell or PATH lookup runs "
                                         "it) (got " + quote_value(argv.front()) + ")");
    return std::nullopt;
  }
  return argv;
}

}  // namespace config::detail
