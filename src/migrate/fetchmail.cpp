#include "migrate/fetchmail.hpp"

#include <charconv>
#include <map>
#include <optional>
#include <utility>

#include "migrate/fetchmail_lexer.hpp"

namespace migrate {
namespace {

constexpr std::string_view kTool = "fetchmail";

// Everything one user clause ends up with: the entry's options, then its own.
struct Settings {
  std::string server;  // the poll name
  std::string via;
  std::string protocol;
  std::string port;
  std::string auth;
  std::string timeout;
  std::optional<std::string> user;
  std::optional<std::string> password;
  bool ssl = false;
  std::optional<std::string> sslproto;
  std::optional<bool> sslcertck;
  std::string sslcertfile;
  std::string sslfingerprint;
  std::optional<bool> keep;
  bool flush = false;
  std::optional<std::string> mda;
  std::string limit;
  std::vector<std::string> notes;
};

enum class Arity { None, One, List };

using Apply = void (*)(Settings&, const std::string& value, bool negated);

struct Keyword {
  Arity arity;
  Apply apply;             // nullptr: not carried over, for `why`
  std::string_view why;
};

void set_protocol(Settings& s, const std::string& v, bool) { s.protocol = lower(v); }
void set_via(Settings& s, const std::string& v, bool) { s.via = v; }
void set_port(Settings& s, const std::string& v, bool) { s.port = v; }
void set_auth(Settings& s, const std::string& v, bool) { s.auth = lower(v); }
void set_timeout(Settings& s, const std::string& v, bool) { s.timeout = v; }
void set_user(Settings& s, const std::string& v, bool) { s.user = v; }
void set_password(Settings& s, const std::string& v, bool) { s.password = v; }
void set_ssl(Settings& s, const std::string&, bool negated) { s.ssl = !negated; }
void set_sslproto(Settings& s, const std::string& v, bool) { s.sslproto = lower(v); }
void set_sslcertck(Settings& s, const std::string&, bool negated) { s.sslcertck = !negated; }
void set_sslcertfile(Settings& s, const std::string& v, bool) { s.sslcertfile = v; }
void set_sslfingerprint(Settings& s, const std::string& v, bool) { s.sslfingerprint = v; }
void set_keep(Settings& s, const std::string&, bool negated) { s.keep = !negated; }
void set_nokeep(Settings& s, const std::string&, bool negated) { s.keep = negated; }
void set_flush(Settings& s, const std::string&, bool negated) { s.flush = !negated; }
void set_mda(Settings& s, const std::string& v, bool) { s.mda = v; }
void set_limit(Settings& s, const std::string& v, bool) { s.limit = v; }

constexpr std::string_view kNoEquivalent = "popfetchd has no such setting";
constexpr std::string_view kSmtp = "popfetchd does not forward by SMTP; use a deliver: target (maildir, mbox, mda, lmtp)";
constexpr std::string_view kUidl = "popfetchd always fetches new messages by UIDL";
constexpr std::string_view kTls = "popfetchd picks the TLS version itself (TLS 1.2 or later)";

const std::map<std::string, Keyword, std::less<>>& keywords() {
  static const std::map<std::string, Keyword, std::less<>> table{
      {"via", {Arity::One, set_via, {}}},
      {"proto", {Arity::One, set_protocol, {}}},
      {"protocol", {Arity::One, set_protocol, {}}},
      {"port", {Arity::One, set_port, {}}},
      {"service", {Arity::One, set_port, {}}},
      {"auth", {Arity::One, set_auth, {}}},
      {"authenticate", {Arity::One, set_auth, {}}},
      {"timeout", {Arity::One, set_timeout, {}}},
      {"user", {Arity::One, set_user, {}}},
      {"username", {Arity::One, set_user, {}}},
      {"pass", {Arity::One, set_password, {}}},
      {"password", {Arity::One, set_password, {}}},
      {"ssl", {Arity::None, set_ssl, {}}},
      {"sslproto", {Arity::One, set_sslproto, {}}},
      {"sslcertck", {Arity::None, set_sslcertck, {}}},
      {"sslcertfile", {Arity::One, set_sslcertfile, {}}},
      {"sslfingerprint", {Arity::One, set_sslfingerprint, {}}},
      {"keep", {Arity::None, set_keep, {}}},
      {"nokeep", {Arity::None, set_nokeep, {}}},
      {"flush", {Arity::None, set_flush, {}}},
      {"mda", {Arity::One, set_mda, {}}},
      {"limit", {Arity::One, set_limit, {}}},
      {"uidl", {Arity::None, nullptr, kUidl}},
      {"fastuidl", {Arity::One, nullptr, kUidl}},
      {"fetchall", {Arity::None, nullptr, "popfetchd fetches each message once (by UIDL); keep: false empties the mailbox"}},
      {"envelope", {Arity::One, nullptr, "popfetchd does not route by envelope headers"}},
      {"qvirtual", {Arity::One, nullptr, "popfetchd does not route by envelope headers"}},
      {"aka", {Arity::List, nullptr, "popfetchd does not route by recipient"}},
      {"localdomains", {Arity::List, nullptr, "popfetchd does not route by recipient"}},
      {"smtphost", {Arity::List, nullptr, kSmtp}},
      {"smtphosts", {Arity::List, nullptr, kSmtp}},
      {"smtpaddress", {Arity::One, nullptr, kSmtp}},
      {"smtpname", {Arity::One, nullptr, kSmtp}},
      {"fetchdomains", {Arity::List, nullptr, kSmtp}},
      {"antispam", {Arity::List, nullptr, kSmtp}},
      {"bsmtp", {Arity::One, nullptr, kSmtp}},
      {"lmtp", {Arity::None, nullptr, "write the LMTP server as a deliver: lmtp target"}},
      {"folder", {Arity::List, nullptr, "IMAP folders: popfetchd speaks POP3 only"}},
      {"sslkey", {Arity::One, nullptr, "client certificates are not supported here"}},
      {"sslcert", {Arity::One, nullptr, "client certificates are not supported here"}},
      {"sslcertpath", {Arity::One, nullptr, "popfetchd takes a CA file (ca_file), not a directory"}},
      {"sslcommonname", {Arity::One, nullptr, "popfetchd checks the certificate against the server name"}},
      {"principal", {Arity::One, nullptr, "Kerberos is not supported"}},
      {"esmtpname", {Arity::One, nullptr, kSmtp}},
      {"esmtppassword", {Arity::One, nullptr, kSmtp}},
      {"interface", {Arity::One, nullptr, kNoEquivalent}},
      {"monitor", {Arity::One, nullptr, kNoEquivalent}},
      {"plugin", {Arity::One, nullptr, "popfetchd connects by itself"}},
      {"plugout", {Arity::One, nullptr, kSmtp}},
      {"dns", {Arity::None, nullptr, kNoEquivalent}},
      {"checkalias", {Arity::None, nullptr, kNoEquivalent}},
      {"interval", {Arity::One, nullptr, "use poll_interval (a duration) instead"}},
      {"tracepolls", {Arity::None, nullptr, kNoEquivalent}},
      {"badheader", {Arity::One, nullptr, kNoEquivalent}},
      {"preconnect", {Arity::One, nullptr, kNoEquivalent}},
      {"postconnect", {Arity::One, nullptr, kNoEquivalent}},
      {"limitflush", {Arity::None, nullptr, "oversized messages are skipped and never deleted"}},
      {"rewrite", {Arity::None, nullptr, "popfetchd stores messages unchanged"}},
      {"forcecr", {Arity::None, nullptr, "popfetchd stores messages unchanged"}},
      {"stripcr", {Arity::None, nullptr, "popfetchd stores messages unchanged"}},
      {"pass8bits", {Arity::None, nullptr, "popfetchd stores messages unchanged"}},
      {"dropstatus", {Arity::None, nullptr, "popfetchd stores messages unchanged"}},
      {"dropdelivered", {Arity::None, nullptr, "popfetchd stores messages unchanged"}},
      {"mimedecode", {Arity::None, nullptr, "popfetchd stores messages unchanged"}},
      {"idle", {Arity::None, nullptr, "IMAP only"}},
      {"showdots", {Arity::None, nullptr, kNoEquivalent}},
      {"warnings", {Arity::One, nullptr, kNoEquivalent}},
      {"fetchlimit", {Arity::One, nullptr, "popfetchd fetches every new message of a poll"}},
      {"fetchsizelimit", {Arity::One, nullptr, kNoEquivalent}},
      {"batchlimit", {Arity::One, nullptr, kSmtp}},
      {"expunge", {Arity::One, nullptr, "popfetchd deletes as it stores, when keep is false"}},
      {"properties", {Arity::One, nullptr, kNoEquivalent}},
  };
  return table;
}

bool noise(std::string_view word) {
  return word == "and" || word == "with" || word == "has" || word == "wants" || word == "options" ||
         word == "here" || word == "there";
}

bool entry_start(const RcToken& t) {
  return !t.quoted && (t.text == "poll" || t.text == "skip" || t.text == "defaults" || t.text == "set");
}

bool is_keyword(const RcToken& t) {
  return !t.quoted && (entry_start(t) || noise(t.text) || t.text == "no" || t.text == "is" || t.text == "to" ||
                       keywords().count(t.text) != 0);
}

common::Error error_at(int line, const std::string& message) {
  return common::make_error(common::ErrorKind::Config, "line " + std::to_string(line) + ": " + message);
}

struct Entry {
  bool skip = false;
  std::string name;
  int line = 0;
  Settings base;
  std::vector<Settings> users;
};

class Parser {
 public:
  explicit Parser(std::vector<RcToken> tokens) : tokens_(std::move(tokens)) {}

  common::Result<std::vector<Entry>> parse(std::vector<std::string>& file_notes) {
    Settings defaults;
    std::vector<Entry> entries;
    while (pos_ < tokens_.size()) {
      const RcToken& t = tokens_[pos_];
      if (!entry_start(t)) return error_at(t.line, "expected poll, skip, defaults or set (got '" + t.text + "')");
      ++pos_;
      if (t.text == "set") {
        file_notes.push_back(set_line(t.line));
        continue;
      }
      Entry entry;
      entry.line = t.line;
      entry.skip = t.text == "skip";
      entry.base = defaults;
      if (t.text != "defaults") {
        if (pos_ >= tokens_.size()) return error_at(t.line, t.text + " needs a server name");
        entry.name = tokens_[pos_++].text;
        entry.base.server = entry.name;
      }
      if (auto status = options(entry); !status) return status.error();
      if (t.text == "defaults") {
        defaults = entry.base;
      } else {
        entries.push_back(std::move(entry));
      }
    }
    return entries;
  }

 private:
  std::string set_line(int line) {
    std::string text = "set";
    while (pos_ < tokens_.size() && tokens_[pos_].line == line) text += " " + tokens_[pos_++].text;
    const bool daemon = text.rfind("set daemon", 0) == 0;
    return not_carried(kTool, text, daemon ? "set poll_interval (per account or under defaults:)"
                                           : "a setting of the fetchmail run, not of an account");
  }

  common::Status options(Entry& entry) {
    Settings* target = &entry.base;
    while (pos_ < tokens_.size() && !entry_start(tokens_[pos_])) {
      const RcToken t = tokens_[pos_++];
      if (t.quoted) return error_at(t.line, "expected a keyword (got the string \"" + t.text + "\")");
      if (noise(t.text)) continue;
      if (t.text == "is" || t.text == "to") {
        local_names(*target, t.text);
        continue;
      }
      bool negated = false;
      std::string word = t.text;
      if (word == "no") {
        if (pos_ >= tokens_.size()) return error_at(t.line, "'no' needs a keyword");
        word = tokens_[pos_++].text;
        negated = true;
      }
      const auto found = keywords().find(word);
      if (found == keywords().end()) return error_at(t.line, "unknown keyword '" + word + "'");
      const Keyword& kw = found->second;
      std::string value;
      std::string text = (negated ? "no " : "") + word;
      if (kw.arity == Arity::One) {
        if (pos_ >= tokens_.size() || entry_start(tokens_[pos_])) return error_at(t.line, word + " needs a value");
        value = tokens_[pos_++].text;
        text += " " + value;
      } else if (kw.arity == Arity::List) {
        while (pos_ < tokens_.size() && !is_keyword(tokens_[pos_])) text += " " + tokens_[pos_++].text;
      }
      if (word == "user" || word == "username") {
        entry.users.push_back(entry.base);
        target = &entry.users.back();
      }
      if (kw.apply != nullptr) {
        kw.apply(*target, value, negated);
      } else {
        target->notes.push_back(not_carried(kTool, text, kw.why));
      }
    }
    return {};
  }

  void local_names(Settings& target, const std::string& word) {
    std::string text = word;
    while (pos_ < tokens_.size() && !is_keyword(tokens_[pos_])) text += " " + tokens_[pos_++].text;
    if (pos_ < tokens_.size() && tokens_[pos_].text == "here") text += " here";
    target.notes.push_back(not_carried(kTool, text, "popfetchd delivers to the account's deliver: targets"));
  }

  std::vector<RcToken> tokens_;
  std::size_t pos_ = 0;
};

std::optional<std::uint16_t> port_number(const std::string& text) {
  if (text == "pop3") return 110;
  if (text == "pop3s") return 995;
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

bool all_digits(const std::string& text) {
  return !text.empty() && text.size() < 12 && text.find_first_not_of("0123456789") == std::string::npos;
}

void translate_security(const Settings& s, Draft& d) {
  const bool checked = s.sslcertck.value_or(true);
  if (s.ssl) {
    d.security = checked ? "tls" : "tls-if-available";
    if (s.sslproto && !s.sslproto->empty() && *s.sslproto != "auto") {
      d.notes.push_back(not_carried(kTool, "sslproto " + *s.sslproto, kTls));
    }
  } else if (s.sslproto && s.sslproto->empty()) {
    d.security = "none";
  } else if (s.sslproto) {
    d.security = checked ? "starttls" : "starttls-if-available";
  } else {
    d.security = "starttls-if-available";
    d.notes.push_back("fetchmail: without 'ssl' it uses STARTTLS only when offered: so does starttls-if-available; "
                      "prefer starttls or tls, which check the certificate");
  }
  d.ca_file = s.sslcertfile;
  if (!s.sslfingerprint.empty()) {
    if (auto pin = sha256_fingerprint(s.sslfingerprint)) {
      d.tls_fingerprint = *pin;
    } else {
      d.notes.push_back(not_carried(kTool, "sslfingerprint " + s.sslfingerprint,
                                    "an MD5 or SHA-1 fingerprint; pin the SHA-256 one (openssl x509 -noout "
                                    "-fingerprint -sha256) as tls_fingerprint"));
    }
  }
}

void translate_auth(const Settings& s, Draft& d) {
  if (s.protocol == "apop" || s.auth == "apop" || s.auth == "cram-md5") {
    d.auth = "cram-md5";  // ours tries CRAM-MD5, then APOP
  } else if (s.auth == "password") {
    d.auth = "plain";
  } else if (s.auth == "any") {
    d.auth = "auto";
  } else if (!s.auth.empty()) {
    d.notes.push_back(not_carried(kTool, "auth " + s.auth, "popfetchd has no such method"));
  }
}

void translate_mda(const std::string& mda, Draft& d) {
  const std::string setting = "mda \"" + mda + "\"";
  if (mda.find("%T") != std::string::npos || mda.find("%F") != std::string::npos ||
      mda.find("%s") != std::string::npos) {
    d.notes.push_back(not_carried(kTool, setting, "%T/%F placeholders are not supported: popfetchd runs the MDA "
                                                  "with fixed arguments; write them out in an mda: target"));
    return;
  }
  const auto argv = split_command(mda);
  if (!argv || argv->empty()) {
    d.notes.push_back(not_carried(kTool, setting, "it needs a shell; popfetchd runs an MDA without one"));
  } else if (argv->front().empty() || argv->front().front() != '/') {
    d.notes.push_back(not_carried(kTool, setting, "the program must be an absolute path"));
  } else {
    d.deliver.push_back(Delivery{Delivery::Kind::Mda, {}, *argv});
  }
}

std::optional<Draft> translate_user(const Settings& s, const ImportOptions& options,
                                    std::vector<std::string>& file_notes) {
  Draft d;
  d.server = s.via.empty() ? s.server : s.via;
  d.username = s.user.value_or(options.local_user);
  if (!s.protocol.empty() && s.protocol != "pop3" && s.protocol != "auto" && s.protocol != "apop") {
    file_notes.push_back(not_carried(kTool, "poll " + s.server + " protocol " + s.protocol + " user " + d.username,
                                     "popfetchd fetches by POP3 only"));
    return std::nullopt;
  }
  d.notes = s.notes;
  if (!s.port.empty()) {
    d.port = port_number(s.port);
    if (!d.port) d.notes.push_back(not_carried(kTool, "port " + s.port, "not a port number"));
  }
  translate_security(s, d);
  translate_auth(s, d);
  d.password = s.password;
  d.keep = s.keep.value_or(false);  // fetchmail deletes what it fetched unless told to keep
  if (s.flush) {
    d.notes.push_back(not_carried(kTool, "flush", "popfetchd never deletes messages it has not stored"));
  }
  if (s.mda) {
    translate_mda(*s.mda, d);
  } else {
    d.notes.push_back("fetchmail: delivery by SMTP not carried over: every message stays in popfetchd's archive; "
                      "add a deliver: target (maildir, mbox, mda or lmtp) to hand it on");
  }
  if (all_digits(s.timeout) && s.timeout.find_first_not_of('0') != std::string::npos) {
    d.timeout = s.timeout + "s";
  } else if (!s.timeout.empty()) {
    d.notes.push_back(not_carried(kTool, "timeout " + s.timeout, "not a positive number of seconds"));
  }
  if (all_digits(s.limit) && s.limit.find_first_not_of('0') != std::string::npos) {
    d.max_message_size = s.limit;
  } else if (!s.limit.empty()) {
    d.notes.push_back(not_carried(kTool, "limit " + s.limit, "0 or not a number of bytes"));
  }
  return d;
}

}  // namespace

common::Result<Translation> from_fetchmail(std::string_view text, const ImportOptions& options) {
  auto tokens = lex_fetchmailrc(text);
  if (!tokens) return tokens.error();
  Translation out;
  Parser parser(std::move(*tokens));
  auto entries = parser.parse(out.notes);
  if (!entries) return entries.error();
  for (Entry& entry : *entries) {
    if (entry.skip) {
      out.notes.push_back(not_carried(kTool, "skip " + entry.name, "fetchmail does not poll it either"));
      continue;
    }
    if (entry.users.empty()) entry.users.push_back(entry.base);
    for (const Settings& user : entry.users) {
      auto draft = translate_user(user, options, out.notes);
      if (!draft) continue;
      out.accounts.push_back(std::move(*draft));
    }
  }
  return out;
}

}  // namespace migrate
