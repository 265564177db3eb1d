#include "migrate/draft.hpp"

#include <cctype>
#include <set>

#include "config/config.hpp"

namespace migrate {

std::string not_carried(std::string_view tool, std::string_view setting, std::string_view why) {
  return std::string(tool) + ": '" + std::string(setting) + "' not carried over: " + std::string(why);
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<std::vector<std::string>> split_command(std::string_view command) {
  static constexpr std::string_view kNeedsShell = "|;&<>$`()*?[]{}~";
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (std::size_t i = 0; i < command.size(); ++i) {
    const char c = command[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\'') {
      const auto end = command.find('\'', i + 1);
      if (end == std::string_view::npos) return std::nullopt;
      word.append(command.substr(i + 1, end - i - 1));
      i = end;
    } else if (c == '"') {
      for (++i; i < command.size() && command[i] != '"'; ++i) {
        if (command[i] == '$' || command[i] == '`') return std::nullopt;
        if (command[i] == '\\' && i + 1 < command.size() && std::string_view("\"\\$`").find(command[i + 1]) !=
                                                                std::string_view::npos) {
          ++i;
        }
        word += command[i];
      }
      if (i >= command.size()) return std::nullopt;
    } else if (c == '\\') {
      if (i + 1 >= command.size()) return std::nullopt;
      word += command[++i];
    } else if (kNeedsShell.find(c) != std::string_view::npos) {
      return std::nullopt;
    } else {
      word += c;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

std::string shell_quote(std::string_view word) {
  bool plain = !word.empty();
  for (char c : word) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && std::string_view("/._-+=:,@%").find(c) == std::string_view::npos) {
      plain = false;
    }
  }
  if (plain) return std::string(word);
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::optional<std::string> sha256_fingerprint(std::string_view text) {
  if (lower(text.substr(0, 7)) == "sha256:") text.remove_prefix(7);
  std::string hex;
  for (char c : text) {
    if (std::isxdigit(static_cast<unsigned char>(c))) {
      hex += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    } else if (c != ':') {
      return std::nullopt;
    }
  }
  if (hex.size() != 64) return std::nullopt;
  std::string out = "sha256:";
  for (std::size_t i = 0; i < hex.size(); i += 2) out += (i == 0 ? "" : ":") + hex.substr(i, 2);
  return out;
}

namespace {

std::string name_base(const Draft& draft) {
  std::string raw = draft.name_hint;
  if (raw.empty()) raw = draft.username.empty() ? draft.server : draft.username + "_at_" + draft.server;
  std::string name;
  for (char c : raw) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
    name += ok ? c : '_';
  }
  if (!config::valid_account_name(name)) name = "account";  // "", "." or ".."
  return name;
}

}  // namespace

std::vector<std::string> account_names(const std::vector<Draft>& drafts) {
  std::set<std::string> taken;
  std::vector<std::string> names;
  for (const Draft& draft : drafts) {
    const std::string base = name_base(draft);
    std::string name = base;
    for (int n = 2; taken.count(name) != 0; ++n) name = base + "-" + std::to_string(n);
    taken.insert(name);
    names.push_back(name);
  }
  return names;
}

}  // namespace migrate
