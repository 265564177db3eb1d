// Key tables and suggestions for unknown keys.
#include "config/key_names.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <span>
#include <vector>

#include "config/yaml_values.hpp"

namespace config::detail {
namespace {

// Names people bring from other mail clients, which no edit distance would find.
struct Alias {
  std::string_view alias;
  std::string_view key;
};
constexpr std::array<Alias, 11> kAliases = {{
    {"user", "username"},
    {"login", "username"},
    {"host", "server"},
    {"hostname", "server"},
    {"pass", "password"},
    {"passwd", "password"},
    {"ssl", "security"},
    {"tls", "security"},
    {"interval", "poll_interval"},
    {"db", "database"},
    {"socket", "health_socket"},
}};

char fold(char c) {
  if (c == '-') return '_';  // "poll-interval" is one edit away, but an obvious one
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

// Levenshtein distance over case-folded text, two rows.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> previous(b.size() + 1);
  std::vector<std::size_t> current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitution = previous[j - 1] + (fold(a[i - 1]) == fold(b[j - 1]) ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::optional<std::string_view> closest(std::string_view key, std::span<const std::string_view> candidates) {
  // Short keys may only be a little off, or every key "resembles" every other.
  constexpr std::size_t kMaxDistance = 2;
  std::optional<std::string_view> best;
  std::size_t best_distance = kMaxDistance + 1;
  for (std::string_view candidate : candidates) {
    const std::size_t distance = edit_distance(key, candidate);
    const bool close_enough = distance * 3 <= std::max(key.size(), candidate.size());
    if (close_enough && distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  if (best) return best;
  for (const Alias& alias : kAliases) {
    if (edit_distance(key, alias.alias) == 0 &&
        std::find(candidates.begin(), candidates.end(), alias.key) != candidates.end()) {
      return alias.key;
    }
  }
  return std::nullopt;
}

std::string join(std::span<const std::string_view> names) {
  std::string text;
  for (std::string_view name : names) {
    if (!text.empty()) text += ", ";
    text += name;
  }
  return text;
}

bool contains(std::span<const std::string_view> names, std::string_view key) {
  return std::find(names.begin(), names.end(), key) != names.end();
}

}  // namespace

bool is_account_key(std::string_view key) { return contains(kAccountKeys, key); }
bool is_password_key(std::string_view key) { return contains(kPasswordKeys, key); }

std::string unknown_key_message(std::string_view key, KeyScope scope) {
  const bool top = scope == KeyScope::TopLevel;
  const std::span<const std::string_view> valid = top ? std::span<const std::string_view>(kTopLevelKeys)
                                                      : std::span<const std::string_view>(kAccountKeys);
  std::string message =
      std::string(top ? "unknown top-level key " : "unknown account key ") + quote_value(key);
  if (top && is_account_key(key)) {
    return message + "; " + quote_value(key) +
           " is an account setting: put it in an account under 'accounts:' or in 'defaults:'";
  }
  if (!top && contains(kTopLevelKeys, key)) {
    return message + "; " + quote_value(key) + " is a top-level setting: move it out of " +
           (scope == KeyScope::Defaults ? "'defaults:'" : "the account");
  }
  if (const auto suggestion = closest(key, valid))
    return message + "; did you mean '" + std::string(*suggestion) + "'?";
  return message + "; valid keys: " + join(valid);
}

}  // namespace config::detail
