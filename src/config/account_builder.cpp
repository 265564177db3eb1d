// Merging an account with defaults and the checks across keys; see account_builder.hpp.
#include "config/account_builder.hpp"

#include <string>
#include <string_view>

namespace config::detail {
namespace {

template <class T>
struct Picked {
  const Setting<T>* setting = nullptr;
  bool from_defaults = false;
  bool given = false;  // the key is present (setting is null when its value was invalid: already reported)
};

// The account's own setting when it gives the key (even an invalid one, so a
// bad value does not silently fall back to defaults), else the defaults'.
template <class T>
Picked<T> pick(const AccountFields& own, const AccountFields& defaults,
               std::optional<Setting<T>> AccountFields::*field, std::string_view key) {
  if (own.gives(key)) return {(own.*field) ? &*(own.*field) : nullptr, false, true};
  if (defaults.gives(key)) return {(defaults.*field) ? &*(defaults.*field) : nullptr, true, true};
  return {};
}

std::string keep_conflict_message(bool at_delete_after, int other_line) {
  const std::string advice =
      ": every message is deleted right after storing it; remove delete_after or set keep: true";
  if (at_delete_after) {
    return "delete_after has no meaning with keep: false (line " + std::to_string(other_line) + ")" + advice;
  }
  return "keep: false makes delete_after (line " + std::to_string(other_line) + ") meaningless" + advice;
}

// The proxy, and the one check across keys: the proxy is handed the server's
// name in a one-byte length field (RFC 1928), so a longer name cannot go through it.
void apply_proxy(const AccountFields& own, const AccountFields& defaults, const std::string& label,
                 Account& account, DiagnosticSink& sink) {
  const auto proxy = pick(own, defaults, &AccountFields::proxy, "proxy");
  if (!proxy.setting || !proxy.setting->value) return;
  account.proxy = proxy.setting->value;
  if (account.server.size() > 255) {
    sink.error(proxy.setting->location, label + ": the server name is " +
                                            std::to_string(account.server.size()) +
                                            " bytes long; a SOCKS5 proxy takes names of at most 255 bytes");
  }
}

// tls_client_cert and tls_client_key come as a pair, and auth: external
// needs them and TLS (the certificate travels in the TLS handshake).
void apply_client_cert(const AccountFields& own, const AccountFields& defaults, const std::string& label,
                       Account& account, DiagnosticSink& sink) {
  const auto cert = pick(own, defaults, &AccountFields::tls_client_cert, "tls_client_cert");
  const auto key = pick(own, defaults, &AccountFields::tls_client_key, "tls_client_key");
  if (cert.setting) account.tls_client_cert = cert.setting->value;
  if (key.setting) account.tls_client_key = key.setting->value;
  if (cert.setting && !key.given) {
    sink.error(cert.setting->location,
               label + ": tls_client_cert needs tls_client_key, the file of the certificate's private key");
  }
  if (key.setting && !cert.given) {
    sink.error(key.setting->location, label + ": tls_client_key needs tls_client_cert, the certificate's file");
  }
  const auto auth = pick(own, defaults, &AccountFields::auth, "auth");
  if (account.auth != AuthMethod::External || !auth.setting) return;
  if (!cert.given && !key.given) {
    sink.error(auth.setting->location, label +
                                           ": auth: external logs in with a TLS client certificate: set "
                                           "tls_client_cert and tls_client_key");
  }
  if (account.security == Security::None) {
    sink.error(auth.setting->location, label +
                                           ": auth: external needs TLS (the client certificate is sent in the "
                                           "TLS handshake): set security: tls or starttls");
  }
}

// server, security, port, email and username (derived from email when absent).
void apply_endpoint(const AccountFields& own, const AccountFields& defaults, const std::string& label,
                    Account& account, DiagnosticSink& sink) {
  if (const auto server = pick(own, defaults, &AccountFields::server, "server"); server.setting) {
    account.server = server.setting->value;
  } else if (!server.given) {
    sink.error(own.entry, label + " has no server: add 'server:' with the POP3 server's host name");
  }

  if (const auto security = pick(own, defaults, &AccountFields::security, "security"); security.setting) {
    account.security = security.setting->value;
  }
  if (const auto port = pick(own, defaults, &AccountFields::port, "port"); port.setting) {
    account.port = port.setting->value;
  } else {
    account.port = implicit_tls(account.security) ? 995 : 110;
  }

  const auto email = pick(own, defaults, &AccountFields::email, "email");
  if (email.setting) account.email = email.setting->value;
  const bool bad_email = email.given && !email.setting;
  if (const auto username = pick(own, defaults, &AccountFields::username, "username"); username.setting) {
    account.username = username.setting->value;
  } else if (!account.email.empty()) {
    account.username = account.email.substr(0, account.email.rfind('@'));
    account.username_from_email = true;
  } else if (!username.given && !bad_email) {
    sink.error(own.entry,
               label + " has no username and no email to derive it from: add 'username:' or 'email:'");
  }
}

// auth and the one password source.
void apply_credentials(const AccountFields& own, const AccountFields& defaults, const std::string& label,
                       Account& account, DiagnosticSink& sink) {
  if (const auto auth = pick(own, defaults, &AccountFields::auth, "auth"); auth.setting)
    account.auth = auth.setting->value;

  // The password sources are one setting: mixing the account's password_env
  // with a password_file from defaults would be "two sources" otherwise.
  const AccountFields& password_fields = own.gives_password() ? own : defaults;
  if (password_fields.password) {
    account.password = password_fields.password->value;
  } else if (account.auth == AuthMethod::External && !password_fields.gives_password()) {
    account.password = PasswordSource{PasswordSource::Kind::None, {}, {}};
  } else if (!password_fields.gives_password()) {
    sink.error(own.entry, label +
                              " has no password source: give exactly one of password, password_file, "
                              "password_command, password_env");
  }
}

// The settings that need no check beyond their own parsing: taken from the
// account, else from defaults.
void apply_plain_settings(const AccountFields& own, const AccountFields& defaults, Account& account) {
  if (const auto ca_file = pick(own, defaults, &AccountFields::ca_file, "ca_file"); ca_file.setting) {
    account.ca_file = ca_file.setting->value;
  }
  if (const auto pins = pick(own, defaults, &AccountFields::tls_fingerprint, "tls_fingerprint"); pins.setting) {
    account.tls_fingerprints = pins.setting->value;
  }
  if (const auto value = pick(own, defaults, &AccountFields::tls_min_version, "tls_min_version"); value.setting) {
    account.tls_min_version = value.setting->value;
  }
  if (const auto value = pick(own, defaults, &AccountFields::poll_interval, "poll_interval"); value.setting) {
    account.poll_interval = value.setting->value;
  }
  if (const auto value = pick(own, defaults, &AccountFields::timeout, "timeout"); value.setting)
    account.timeout = value.setting->value;
  if (const auto value = pick(own, defaults, &AccountFields::max_message_size, "max_message_size");
      value.setting) {
    account.max_message_size = value.setting->value;
  }
  if (const auto value = pick(own, defaults, &AccountFields::pipelining, "pipelining"); value.setting) {
    account.pipelining = value.setting->value;
  }
  if (const auto value = pick(own, defaults, &AccountFields::on_failure, "on_failure"); value.setting)
    account.on_failure = value.setting->value;
  if (const auto value = pick(own, defaults, &AccountFields::on_new_mail, "on_new_mail"); value.setting)
    account.on_new_mail = value.setting->value;
}

// deliver: targets; an LMTP target without a recipient delivers to the
// account's address (its username when it has no email).
void apply_delivery(const AccountFields& own, const AccountFields& defaults, Account& account) {
  const auto value = pick(own, defaults, &AccountFields::deliver, "deliver");
  if (!value.setting) return;
  account.deliver = value.setting->value;
  for (auto& target : account.deliver) {
    if (target.kind == DeliveryTarget::Kind::Lmtp && target.recipient.empty()) {
      target.recipient = account.email.empty() ? account.username : account.email;
    }
  }
}

// keep and delete_after, and their conflict when they meet across the
// account and defaults.
void apply_keep(const AccountFields& own, const AccountFields& defaults, const std::string& label,
                Account& account, DiagnosticSink& sink) {
  const auto keep = pick(own, defaults, &AccountFields::keep, "keep");
  const auto delete_after = pick(own, defaults, &AccountFields::delete_after, "delete_after");
  if (keep.setting) account.keep = keep.setting->value;
  if (delete_after.setting) account.delete_after = delete_after.setting->value;
  // Both from defaults: check_keep_conflict reported it once already.
  if (account.keep || !delete_after.setting || (keep.from_defaults && delete_after.from_defaults)) return;
  if (delete_after.from_defaults) {
    sink.error(keep.setting->location,
               label + ": " + keep_conflict_message(false, delete_after.setting->location.line));
  } else {
    sink.error(delete_after.setting->location,
               label + ": " + keep_conflict_message(true, keep.setting->location.line));
  }
}

}  // namespace

void check_keep_conflict(const AccountFields& fields, DiagnosticSink& sink) {
  if (fields.keep && !fields.keep->value && fields.delete_after) {
    sink.error(fields.delete_after->location, keep_conflict_message(true, fields.keep->location.line));
  }
}

std::optional<Account> build_account(const AccountFields& defaults, const AccountFields& own,
                                     DiagnosticSink& sink) {
  const std::size_t errors_before = sink.count();
  Account account;
  account.location = own.entry;

  if (own.name) {
    account.name = own.name->value;
  } else if (!own.gives("name")) {
    sink.error(own.entry, "account has no name: add 'name:' (letters, digits, '.', '_' and '-')");
  }
  // Without a valid name the location alone says which account it is.
  const std::string label = own.name ? "account '" + account.name + "'" : std::string("account");

  apply_endpoint(own, defaults, label, account, sink);
  apply_credentials(own, defaults, label, account, sink);
  apply_plain_settings(own, defaults, account);
  apply_proxy(own, defaults, label, account, sink);
  apply_client_cert(own, defaults, label, account, sink);
  apply_delivery(own, defaults, account);
  apply_keep(own, defaults, label, account, sink);

  if (sink.count() != errors_before || !own.name) return std::nullopt;
  return account;
}

}  // namespace config::detail
