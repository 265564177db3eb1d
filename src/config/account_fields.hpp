#pragma once
// AccountFields: the settings given in one YAML map (an account entry or
// `defaults:`), each parsed and checked on its own, with its position. Merging
// with defaults and the checks across keys happen in account_builder.
// Reports one error per bad key to the sink and keeps going; reads no file
// and never resolves a password.

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "config/diagnostic_sink.hpp"
#include "config/key_names.hpp"
#include "config/paths.hpp"

namespace YAML {
class Node;
}

namespace config::detail {

template <class T>
struct Setting {
  T value;
  Location location;  // of the value (of the key when the value is null)
};

struct AccountFields {
  Location entry;  // the map itself
  // Every key present, valid or not, so that a bad value does not also cause
  // a "missing" error for the same key.
  std::set<std::string, std::less<>> given;

  std::optional<Setting<std::string>> name;
  std::optional<Setting<std::string>> email;
  std::optional<Setting<std::string>> server;
  std::optional<Setting<Security>> security;
  std::optional<Setting<std::uint16_t>> port;
  std::optional<Setting<std::string>> username;
  std::optional<Setting<AuthMethod>> auth;
  std::optional<Setting<PasswordSource>> password;  // set only when exactly one valid source was given
  std::optional<Setting<std::string>> ca_file;
  std::optional<Setting<std::string>> tls_client_cert;
  std::optional<Setting<std::string>> tls_client_key;
  std::optional<Setting<std::vector<Sha256Pin>>> tls_fingerprint;
  std::optional<Setting<TlsMinVersion>> tls_min_version;
  std::optional<Setting<std::chrono::seconds>> poll_interval;
  std::optional<Setting<std::chrono::seconds>> timeout;
  std::optional<Setting<bool>> keep;
  std::optional<Setting<std::chrono::seconds>> delete_after;
  std::optional<Setting<std::uint64_t>> max_message_size;
  std::optional<Setting<Pipelining>> pipelining;
  std::optional<Setting<std::optional<Proxy>>> proxy;  // "" gives nullopt: no proxy (overrides defaults)
  std::optional<Setting<std::vector<DeliveryTarget>>> deliver;
  // A null value gives an empty argv: no hook (overrides defaults).
  std::optional<Setting<std::vector<std::string>>> on_failure;
  std::optional<Setting<std::vector<std::string>>> on_new_mail;

  bool gives(std::string_view key) const { return given.find(key) != given.end(); }
  bool gives_password() const;
};

// `map` must be a YAML map. `scope` is Account or Defaults (where `name` is an error).
AccountFields parse_account_fields(const YAML::Node& map, KeyScope scope, const PathContext& paths,
                                   DiagnosticSink& sink);

}  // namespace config::detail
