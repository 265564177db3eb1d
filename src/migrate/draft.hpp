#pragma once
// The common shape every importer (fetchmail.hpp, getmail.hpp, mpop.hpp)
// translates into, and the small helpers they share. Pure values and string
// functions: no files, no environment, no yaml. yaml_writer.hpp turns a
// Translation into popfetchd YAML.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace migrate {

// One `deliver:` target (config/delivery_target.hpp's maildir, mbox, mda).
struct Delivery {
  enum class Kind { Maildir, Mbox, Mda };
  Kind kind = Kind::Maildir;
  std::string path;               // Maildir, Mbox
  std::vector<std::string> argv;  // Mda: program (absolute) and arguments, no shell
  bool operator==(const Delivery&) const = default;
};

// One popfetchd account, every value already in popfetchd's spelling
// ("starttls", "cram-md5", "60s"). Empty strings and nullopt: leave the key out.
struct Draft {
  std::string name_hint;  // the source's own account name, if it has one
  std::string server;
  std::optional<std::uint16_t> port;
  std::string security;
  std::string username;
  std::optional<std::string> password;          // a literal
  std::optional<std::string> password_command;  // for /bin/sh -c
  std::string auth;
  std::string ca_file;
  std::string tls_fingerprint;  // "sha256:..." only
  std::optional<bool> keep;
  std::string timeout;           // "60s"
  std::string max_message_size;  // "100000"
  std::string delete_after;      // "30d"
  std::string pipelining;        // "on", "off", "auto"
  std::vector<Delivery> deliver;
  std::vector<std::string> notes;  // each becomes one YAML comment line next to the account
};

struct Translation {
  std::vector<Draft> accounts;
  std::vector<std::string> notes;  // about the file as a whole (set lines, IMAP accounts skipped, ...)
};

// What the importers may need to know about the machine; the caller fills it in.
struct ImportOptions {
  std::string local_user;  // fetchmail's user when an entry names none ($USER)
};

// "<tool>: '<setting>' not carried over: <why>".
std::string not_carried(std::string_view tool, std::string_view setting, std::string_view why);

// Splits a command line the way a POSIX shell splits words ('...', "...", \x),
// but refuses (nullopt) anything that needs a shell: | ; & < > $ ` ( ) and
// globs, or an unterminated quote.
std::optional<std::vector<std::string>> split_command(std::string_view command);

// Quotes one word for /bin/sh ('...' with ' as '\''), unless it is plain.
std::string shell_quote(std::string_view word);

// A 64-hex-digit SHA-256 fingerprint (':' allowed between pairs, optional
// "sha256:" prefix) as "sha256:AB:CD:..."; nullopt for anything else (an MD5
// or SHA-1 one has 32 or 40 digits).
std::optional<std::string> sha256_fingerprint(std::string_view text);

// Gives every draft a unique name valid for config::valid_account_name: its
// name_hint, else "<user>_at_<server>", with other characters replaced by '_'
// and "-2", "-3", ... appended to repeats.
std::vector<std::string> account_names(const std::vector<Draft>& drafts);

// ASCII lower case.
std::string lower(std::string_view text);

}  // namespace migrate
