#include "migrate/getmail.hpp"

#include <map>

namespace migrate {
namespace {

constexpr std::string_view kTool = "getmail";

using Section = std::map<std::string, std::string, std::less<>>;
using Sections = std::map<std::string, Section, std::less<>>;

std::string trim(std::string_view text) {
  const auto begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return {};
  const auto end = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(begin, end - begin + 1));
}

common::Error error_at(int line, const std::string& message) {
  return common::make_error(common::ErrorKind::Config, "line " + std::to_string(line) + ": " + message);
}

// Python's configparser, as getmail uses it: '#' and ';' comment lines,
// "key = value" or "key: value", indented lines continue the value.
common::Result<Sections> parse_ini(std::string_view text) {
  Sections sections;
  Section* section = nullptr;
  std::string* last_value = nullptr;
  int line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const auto newline = text.find('\n');
    const std::string_view raw = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    const std::string line = trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (last_value != nullptr && (raw.front() == ' ' || raw.front() == '\t')) {
      *last_value += "\n" + line;
      continue;
    }
    if (line.front() == '[') {
      if (line.back() != ']') return error_at(line_number, "a section header must end with ']'");
      section = &sections[lower(trim(line.substr(1, line.size() - 2)))];
      last_value = nullptr;
      continue;
    }
    const auto delimiter = line.find_first_of("=:");
    if (delimiter == std::string::npos || delimiter == 0) {
      return error_at(line_number, "expected [section] or key = value (got '" + line + "')");
    }
    if (section == nullptr) return error_at(line_number, "a key before the first [section]");
    last_value = &((*section)[lower(trim(line.substr(0, delimiter)))] = trim(line.substr(delimiter + 1)));
  }
  return sections;
}

std::optional<bool> boolean(const std::string& text) {
  const std::string value = lower(text);
  if (value == "true" || value == "yes" || value == "on" || value == "1") return true;
  if (value == "false" || value == "no" || value == "off" || value == "0") return false;
  return std::nullopt;
}

bool positive_number(const std::string& text) {
  return !text.empty() && text.size() < 12 && text.find_first_not_of("0123456789") == std::string::npos &&
         text.find_first_not_of('0') != std::string::npos;
}

// Takes `key` out of `section` (so what is left is not carried over).
std::optional<std::string> take(Section& section, std::string_view key) {
  const auto found = section.find(key);
  if (found == section.end()) return std::nullopt;
  std::string value = found->second;
  section.erase(found);
  return value;
}

void translate_retriever(Section& r, const std::string& type, Draft& d) {
  d.security = type.find("SSL") != std::string::npos ? "tls" : "none";
  d.server = take(r, "server").value_or("");
  if (auto port = take(r, "port")) {
    if (positive_number(*port) && std::stoul(*port) <= 65535) {
      d.port = static_cast<std::uint16_t>(std::stoul(*port));
    } else {
      d.notes.push_back(not_carried(kTool, "port = " + *port, "not a port number"));
    }
  }
  d.username = take(r, "username").value_or("");
  d.password = take(r, "password");
  if (auto command = take(r, "password_command")) {
    const auto words = python_strings(*command);
    if (words && !words->empty()) {
      std::string line;
      for (const std::string& word : *words) line += (line.empty() ? "" : " ") + shell_quote(word);
      d.password_command = line;
    } else {
      d.notes.push_back(not_carried(kTool, "password_command = " + *command, "not a tuple of strings"));
    }
  }
  if (auto apop = take(r, "use_apop"); apop && boolean(*apop).value_or(false)) d.auth = "cram-md5";
  if (auto ca = take(r, "ca_certs")) d.ca_file = *ca;
  if (auto pins = take(r, "ssl_fingerprints")) {
    const auto words = python_strings(*pins);
    const auto pin = words && words->size() == 1 ? sha256_fingerprint(words->front()) : std::nullopt;
    if (pin) {
      d.tls_fingerprint = *pin;
    } else {
      d.notes.push_back(not_carried(kTool, "ssl_fingerprints = " + *pins,
                                    "only one SHA-256 fingerprint is carried over; MD5/SHA-1 ones are not"));
    }
  }
  if (auto timeout = take(r, "timeout")) {
    if (positive_number(*timeout)) {
      d.timeout = *timeout + "s";
    } else {
      d.notes.push_back(not_carried(kTool, "timeout = " + *timeout, "not a positive number of seconds"));
    }
  }
}

bool has_placeholder(const std::vector<std::string>& words) {
  for (const std::string& word : words) {
    if (word.find("%(") != std::string::npos) return true;
  }
  return false;
}

void translate_destination(Section& dest, Draft& d) {
  const std::string type = take(dest, "type").value_or("");
  const std::string path = take(dest, "path").value_or("");
  if ((type == "Maildir" || type == "Mboxrd") && !path.empty()) {
    d.deliver.push_back({type == "Maildir" ? Delivery::Kind::Maildir : Delivery::Kind::Mbox, path, {}});
    return;
  }
  if (type == "MDA_external" && !path.empty() && path.front() == '/') {
    std::vector<std::string> argv{path};
    const std::string arguments = take(dest, "arguments").value_or("()");
    const auto words = python_strings(arguments);
    if (!words || has_placeholder(*words)) {
      d.notes.push_back(not_carried(kTool, "MDA_external " + path + " arguments = " + arguments,
                                    "%(...) placeholders are not supported: popfetchd runs the MDA with fixed "
                                    "arguments; write them out in an mda: target"));
      return;
    }
    argv.insert(argv.end(), words->begin(), words->end());
    d.deliver.push_back({Delivery::Kind::Mda, {}, argv});
    return;
  }
  d.notes.push_back(not_carried(kTool, "[destination] type = " + type + (path.empty() ? "" : " path = " + path),
                                "popfetchd delivers to a Maildir, an mbox or an MDA given by absolute path"));
  dest.clear();
}

void translate_options(Section& o, Draft& d) {
  const auto delete_value = take(o, "delete");
  const bool deletes = delete_value && boolean(*delete_value).value_or(false);
  d.keep = !deletes;
  if (auto days = take(o, "delete_after")) {
    if (!deletes && positive_number(*days)) {
      d.delete_after = *days + "d";
    } else if (*days != "0") {
      d.notes.push_back(not_carried(kTool, "delete_after = " + *days, "only a number of days with delete = false"));
    }
  }
  if (auto size = take(o, "max_message_size"); size && *size != "0") {
    if (positive_number(*size)) {
      d.max_message_size = *size;
    } else {
      d.notes.push_back(not_carried(kTool, "max_message_size = " + *size, "not a number of bytes"));
    }
  }
  if (auto read_all = take(o, "read_all"); read_all && !deletes && boolean(*read_all).value_or(true)) {
    d.notes.push_back(not_carried(kTool, "read_all = " + *read_all, "popfetchd fetches each message once (by UIDL)"));
  }
}

void note_rest(const Sections& sections, Draft& d) {
  for (const auto& [name, section] : sections) {
    for (const auto& [key, value] : section) {
      const bool secret = key.find("password") != std::string::npos;
      d.notes.push_back(not_carried(kTool, "[" + name + "] " + key + " = " + (secret ? "..." : value),
                                    "popfetchd has no such setting"));
    }
  }
}

}  // namespace

std::optional<std::vector<std::string>> python_strings(std::string_view text) {
  std::string body = trim(text);
  if (!body.empty() && (body.front() == '"' || body.front() == '\'') && body.find(',') == std::string::npos) {
    body = "(" + body + ",)";
  } else if (body.empty() || body.front() != '(') {
    return body.empty() ? std::nullopt : std::optional(std::vector<std::string>{body});
  }
  if (body.back() != ')') return std::nullopt;
  std::vector<std::string> words;
  std::size_t i = 1;
  while (true) {
    while (i < body.size() && (body[i] == ' ' || body[i] == '\t' || body[i] == '\n')) ++i;
    if (i >= body.size() - 1) break;
    const char quote = body[i];
    if (quote != '"' && quote != '\'') return std::nullopt;
    std::string word;
    for (++i; i < body.size() - 1 && body[i] != quote; ++i) {
      if (body[i] == '\\' && i + 1 < body.size() - 1) ++i;
      word += body[i];
    }
    if (i >= body.size() - 1) return std::nullopt;
    words.push_back(std::move(word));
    for (++i; i < body.size() && (body[i] == ' ' || body[i] == '\t' || body[i] == '\n'); ++i) {
    }
    if (i < body.size() - 1 && body[i] != ',') return std::nullopt;
    if (i < body.size() - 1) ++i;
  }
  return words;
}

common::Result<Translation> from_getmail(std::string_view text) {
  auto sections = parse_ini(text);
  if (!sections) return sections.error();
  Translation out;
  Section& retriever = (*sections)["retriever"];
  const std::string type = take(retriever, "type").value_or("");
  if (type.find("IMAP") != std::string::npos) {
    out.notes.push_back(not_carried(kTool, "[retriever] type = " + type, "popfetchd fetches by POP3 only"));
    return out;
  }
  if (type.find("POP3") == std::string::npos && type.find("SDPS") == std::string::npos) {
    return common::make_error(common::ErrorKind::Config, "[retriever] needs a POP3 type (got '" + type + "')");
  }
  Draft d;
  translate_retriever(retriever, type, d);
  if (d.server.empty()) return common::make_error(common::ErrorKind::Config, "[retriever] has no server");
  translate_destination((*sections)["destination"], d);
  translate_options((*sections)["options"], d);
  for (auto it = sections->begin(); it != sections->end();) {
    if (it->first.rfind("filter", 0) == 0) {
      d.notes.push_back(not_carried(kTool, "[" + it->first + "]", "popfetchd does not filter messages"));
      it = sections->erase(it);
    } else {
      ++it;
    }
  }
  note_rest(*sections, d);
  out.accounts.push_back(std::move(d));
  return out;
}

}  // namespace migrate
