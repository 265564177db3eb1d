#pragma once
// config::DeliveryTarget: one entry of an account's `deliver:` list
// (README "Delivering to a mailbox"). Plain values; the loader fills and
// validates them, deliver::make_target() turns one into a deliver::Target.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace config {

struct DeliveryTarget {
  enum class Kind { Maildir, Mbox, Mda, Lmtp };
  Kind kind = Kind::Maildir;
  // Maildir: the directory (created with cur/ new/ tmp/, 0700, when missing).
  // Mbox: the file. Both resolved against the config file's directory.
  std::string path;
  // Mda: the program and its arguments, run without a shell; the message on stdin.
  std::vector<std::string> argv;
  // Lmtp: "unix:/path" or "host:port" (an IPv6 literal in brackets).
  std::string address;
  // Lmtp: RCPT TO; defaults to the account's email, else its username.
  std::string recipient;
  // Mda: the time limit of one run (then it is killed: a temporary failure).
  // Lmtp: connect and each reply.
  std::chrono::seconds timeout{300};

  // The stable name of this target in the delivery table, status and
  // metrics: "maildir:/srv/mail/alice/Maildir", "mbox:/var/mail/alice",
  // "mda:/usr/lib/dovecot/deliver -d alice" (the whole command line), "lmtp:unix:/run/dovecot/lmtp".
  std::string key() const;
  bool operator==(const DeliveryTarget&) const = default;
};

std::string_view to_string(DeliveryTarget::Kind kind);  // "maildir", "mbox", "mda", "lmtp"

}  // namespace config
