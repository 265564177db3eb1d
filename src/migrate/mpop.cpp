#include "migrate/mpop.hpp"

#include <map>

namespace migrate {
namespace {

constexpr std::string_view kTool = "mpop";

using Commands = std::map<std::string, std::string, std::less<>>;

struct Block {
  std::string name;
  Commands commands;
};

common::Error error_at(int line, const std::string& message) {
  return common::make_error(common::ErrorKind::Config, "line " + std::to_string(line) + ": " + message);
}

// mpop's argument rules: the rest of the line; "..." quotes (with \" and \\ inside).
std::optional<std::string> unquote(std::string_view raw) {
  std::string out;
  bool quoted = false;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '"') {
      quoted = !quoted;
    } else if (raw[i] == '\\' && quoted && i + 1 < raw.size()) {
      out += raw[++i];
    } else {
      out += raw[i];
    }
  }
  if (quoted) return std::nullopt;
  return out;
}

std::string trim(std::string_view text) {
  const auto begin = text.find_first_not_of(" \t\r");
  if (begin == std::string_view::npos) return {};
  return std::string(text.substr(begin, text.find_last_not_of(" \t\r") - begin + 1));
}

// `account NAME [: BASE, ...]`: the new block starts from defaults, then each base.
common::Result<Block> open_account(const std::string& argument, int line, const Commands& defaults,
                                   const std::vector<Block>& accounts) {
  Block block{trim(argument.substr(0, argument.find(':'))), defaults};
  if (block.name.empty()) return error_at(line, "account needs a name");
  if (argument.find(':') == std::string::npos) return block;
  std::string bases = argument.substr(argument.find(':') + 1) + ",";
  for (std::size_t comma; (comma = bases.find(',')) != std::string::npos; bases.erase(0, comma + 1)) {
    const std::string base = trim(bases.substr(0, comma));
    if (base.empty()) continue;
    const Block* found = nullptr;
    for (const Block& b : accounts) found = b.name == base ? &b : found;
    if (found == nullptr) return error_at(line, "account " + block.name + ": no account '" + base + "' before it");
    for (const auto& [key, value] : found->commands) block.commands[key] = value;
  }
  return block;
}

common::Result<std::vector<Block>> parse_blocks(std::string_view text) {
  Commands defaults;
  std::vector<Block> accounts;
  Commands* current = nullptr;
  int line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const auto newline = text.find('\n');
    const std::string line = trim(text.substr(0, newline));
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    if (line.empty() || line.front() == '#') continue;
    const auto blank = line.find_first_of(" \t");
    const std::string command = line.substr(0, blank);
    const auto argument = unquote(blank == std::string::npos ? "" : trim(line.substr(blank)));
    if (!argument) return error_at(line_number, "unterminated quote");
    if (command == "defaults") {
      current = &defaults;
    } else if (command == "account") {
      auto block = open_account(*argument, line_number, defaults, accounts);
      if (!block) return block.error();
      accounts.push_back(std::move(*block));
      current = &accounts.back().commands;
    } else if (current == nullptr) {
      return error_at(line_number, "'" + command + "' before the first account or defaults line");
    } else {
      // password and passwordeval are one setting: the last one given wins.
      if (command == "password") current->erase("passwordeval");
      if (command == "passwordeval") current->erase("password");
      (*current)[command] = *argument;
    }
  }
  return accounts;
}

std::optional<std::string> take(Commands& c, std::string_view key) {
  const auto found = c.find(key);
  if (found == c.end()) return std::nullopt;
  std::string value = found->second;
  c.erase(found);
  return value;
}

bool positive_number(const std::string& text) {
  return !text.empty() && text.size() < 12 && text.find_first_not_of("0123456789") == std::string::npos &&
         text.find_first_not_of('0') != std::string::npos;
}

void translate_tls(Commands& c, Draft& d) {
  const bool tls = take(c, "tls").value_or("on") != "off";
  const bool starttls = take(c, "tls_starttls").value_or("on") != "off";
  const bool checked = take(c, "tls_certcheck").value_or("on") != "off";
  if (!tls) {
    d.security = "none";
  } else {
    d.security = std::string(starttls ? "starttls" : "tls") + (checked ? "" : "-if-available");
  }
  if (auto trust = take(c, "tls_trust_file"); trust && *trust != "system" && !trust->empty()) d.ca_file = *trust;
  if (auto pin = take(c, "tls_fingerprint")) {
    if (auto sha = sha256_fingerprint(*pin)) {
      d.tls_fingerprint = *sha;
    } else {
      d.notes.push_back(not_carried(kTool, "tls_fingerprint " + *pin,
                                    "an MD5 or SHA-1 fingerprint; pin the SHA-256 one (openssl x509 -noout "
                                    "-fingerprint -sha256) as tls_fingerprint"));
    }
  }
}

void translate_auth(Commands& c, Draft& d) {
  const auto auth = take(c, "auth");
  if (!auth) return;
  const std::string method = lower(*auth);
  if (method == "on" || method == "default") {
    d.auth = "auto";
  } else if (method == "user" || method == "plain") {
    d.auth = "plain";
  } else if (method == "apop" || method == "cram-md5") {
    d.auth = "cram-md5";  // ours tries CRAM-MD5, then APOP
  } else if (method == "scram-sha-1" || method == "scram-sha-256" || method == "login") {
    d.auth = method;
  } else {
    d.notes.push_back(not_carried(kTool, "auth " + *auth, "popfetchd has no such method"));
  }
}

void translate_delivery(Commands& c, Draft& d) {
  const auto delivery = take(c, "delivery");
  if (!delivery) return;
  const auto blank = delivery->find_first_of(" \t");
  const std::string method = delivery->substr(0, blank);
  const std::string target = blank == std::string::npos ? "" : trim(delivery->substr(blank));
  const std::string setting = "delivery " + *delivery;
  if ((method == "maildir" || method == "mbox") && !target.empty()) {
    d.deliver.push_back({method == "maildir" ? Delivery::Kind::Maildir : Delivery::Kind::Mbox, target, {}});
    return;
  }
  if (method != "mda") {
    d.notes.push_back(not_carried(kTool, setting, "popfetchd delivers to a Maildir, an mbox or an MDA"));
    return;
  }
  if (target.find("%F") != std::string::npos) {
    d.notes.push_back(not_carried(kTool, setting, "%F placeholders are not supported: popfetchd runs the MDA with "
                                                  "fixed arguments; write them out in an mda: target"));
    return;
  }
  const auto argv = split_command(target);
  if (!argv || argv->empty()) {
    d.notes.push_back(not_carried(kTool, setting, "it needs a shell; popfetchd runs an MDA without one"));
  } else if (argv->front().empty() || argv->front().front() != '/') {
    d.notes.push_back(not_carried(kTool, setting, "the program must be an absolute path"));
  } else {
    d.deliver.push_back({Delivery::Kind::Mda, {}, *argv});
  }
}

// mpop's sizes: bytes, or k / m for KiB / MiB.
std::string size_text(const std::string& text) {
  if (text.size() > 1 && (text.back() == 'k' || text.back() == 'm') &&
      positive_number(text.substr(0, text.size() - 1))) {
    return text.substr(0, text.size() - 1) + (text.back() == 'k' ? "KiB" : "MiB");
  }
  return positive_number(text) ? text : "";
}

Draft translate(Block& block) {
  Commands& c = block.commands;
  Draft d;
  d.name_hint = block.name;
  d.server = take(c, "host").value_or("");
  translate_tls(c, d);
  if (auto port = take(c, "port")) {
    if (positive_number(*port) && std::stoul(*port) <= 65535) {
      d.port = static_cast<std::uint16_t>(std::stoul(*port));
    } else {
      d.notes.push_back(not_carried(kTool, "port " + *port, "not a port number"));
    }
  }
  d.username = take(c, "user").value_or("");
  d.password = take(c, "password");
  d.password_command = take(c, "passwordeval");
  translate_auth(c, d);
  d.keep = take(c, "keep").value_or("off") == "on";
  translate_delivery(c, d);
  if (auto timeout = take(c, "timeout"); timeout && positive_number(*timeout)) {
    d.timeout = *timeout + "s";
  } else if (timeout) {
    d.notes.push_back(not_carried(kTool, "timeout " + *timeout, "not a positive number of seconds"));
  }
  if (auto skip = take(c, "skipsize"); skip && !size_text(*skip).empty()) {
    d.max_message_size = size_text(*skip);
  } else if (skip) {
    d.notes.push_back(not_carried(kTool, "skipsize " + *skip, "not a size"));
  }
  if (auto pipelining = take(c, "pipelining")) {
    if (*pipelining == "on" || *pipelining == "off" || *pipelining == "auto") {
      d.pipelining = *pipelining;
    } else {
      d.notes.push_back(not_carried(kTool, "pipelining " + *pipelining, "expected on, off or auto"));
    }
  }
  if (auto only_new = take(c, "only_new"); only_new && *only_new == "on") c.erase("only_new");
  for (const auto& [key, value] : c) {
    d.notes.push_back(not_carried(kTool, key + (value.empty() ? "" : " " + value), "popfetchd has no such setting"));
  }
  return d;
}

}  // namespace

common::Result<Translation> from_mpop(std::string_view text) {
  auto blocks = parse_blocks(text);
  if (!blocks) return blocks.error();
  Translation out;
  for (Block& block : *blocks) {
    if (block.name == "default") {
      out.notes.push_back(not_carried(kTool, "account default", "popfetchd polls every account; no default"));
      continue;
    }
    Draft draft = translate(block);
    if (draft.server.empty()) {
      out.notes.push_back(not_carried(kTool, "account " + block.name, "it has no host"));
      continue;
    }
    out.accounts.push_back(std::move(draft));
  }
  return out;
}

}  // namespace migrate
