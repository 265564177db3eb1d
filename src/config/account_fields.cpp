// Parsing and checking each account key on its own; see account_fields.hpp.
#include "config/account_fields.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>

#include "config/delivery_fields.hpp"
#include "config/tls_library.hpp"
#include "config/yaml_values.hpp"

namespace config::detail {
namespace {

constexpr std::string_view kDurationExpected = "a duration like 30s, 5m, 2h, 30d or plain seconds";
constexpr std::string_view kSizeExpected =
    "a size in bytes, or with a suffix B, KB, MB, GB (powers of 1000) or KiB, MiB, GiB (powers of 1024), "
    "like 50MB";

bool is_env_name(std::string_view text) {
  if (text.empty() || std::isdigit(static_cast<unsigned char>(text.front())) != 0) return false;
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; });
}

bool has_space_or_control(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte <= 0x20 || byte == 0x7f;
  });
}

// Parses the entries of one map into an AccountFields, one handler per key.
class FieldParser {
 public:
  FieldParser(KeyScope scope, const PathContext& paths, DiagnosticSink& sink)
      : scope_(scope), paths_(paths), sink_(sink) {}

  AccountFields parse(const YAML::Node& map) {
    fields_.entry = sink_.at(map.Mark());
    const Entry* first_password = nullptr;
    const auto entries = map_entries(map, sink_);
    for (const Entry& entry : entries) {
      if (!is_account_key(entry.key)) {
        sink_.error(entry.key_location, unknown_key_message(entry.key, scope_));
        continue;
      }
      fields_.given.insert(entry.key);
      if (is_password_key(entry.key)) {
        if (first_password != nullptr) {
          sink_.error(entry.key_location, "more than one password source: " + first_password->key +
                                              " (line " + std::to_string(first_password->key_location.line) +
                                              ") and " + entry.key +
                                              "; give exactly one of password, password_file, "
                                              "password_command, password_env");
          password_conflict_ = true;
          continue;
        }
        first_password = &entry;
      }
      parse_entry(entry);
    }
    if (password_conflict_) fields_.password.reset();
    return std::move(fields_);
  }

 private:
  void parse_entry(const Entry& e) {
    const std::string_view k = e.key;
    if (k == "name") return parse_name(e);
    if (k == "email") return parse_email(e);
    if (k == "server") return parse_server(e);
    if (k == "security") return set(fields_.security, e, read_enum(e, kSecurityNames, sink_));
    if (k == "port") return parse_port(e);
    if (k == "username") return set(fields_.username, e, non_empty_string(e, "a user name"));
    if (k == "auth") return set(fields_.auth, e, read_enum(e, kAuthNames, sink_));
    if (k == "password") return parse_password(e, PasswordSource::Kind::Literal);
    if (k == "password_file") return parse_password(e, PasswordSource::Kind::File);
    if (k == "password_command") return parse_password(e, PasswordSource::Kind::Command);
    if (k == "password_env") return parse_password(e, PasswordSource::Kind::Env);
    if (k == "ca_file") return parse_ca_file(e);
    if (k == "tls_client_cert") return parse_file_path(fields_.tls_client_cert, e);
    if (k == "tls_client_key") return parse_file_path(fields_.tls_client_key, e);
    if (k == "tls_fingerprint") return parse_tls_fingerprint(e);
    if (k == "tls_min_version") return parse_tls_min_version(e);
    if (k == "poll_interval") return parse_poll_interval(e);
    if (k == "timeout") return parse_timeout(e);
    if (k == "keep") return parse_keep(e);
    if (k == "delete_after") return set(fields_.delete_after, e, duration(e));
    if (k == "max_message_size") return parse_max_message_size(e);
    if (k == "pipelining") return set(fields_.pipelining, e, read_enum(e, kPipeliningNames, sink_));
    if (k == "proxy") return parse_proxy(e);
    if (k == "deliver") return set(fields_.deliver, e, parse_deliver(e, paths_, sink_));
    if (k == "on_failure") return set(fields_.on_failure, e, hook_argv(e));
    if (k == "on_new_mail") return set(fields_.on_new_mail, e, hook_argv(e));
  }

  std::optional<std::vector<std::string>> hook_argv(const Entry& e) {
    // "" (or nothing) turns off a hook set in defaults:.
    if (e.value.IsNull() || (e.value.IsScalar() && e.value.Scalar().empty())) return std::vector<std::string>{};
    return read_argv(e, sink_);
  }

  template <class T>
  void set(std::optional<Setting<T>>& field, const Entry& e, std::optional<T> value) {
    if (value) field = Setting<T>{std::move(*value), e.value_location};
  }

  std::optional<std::string> non_empty_string(const Entry& e, std::string_view expected) {
    auto text = scalar_text(e, expected, sink_);
    if (text && text->empty()) {
      sink_.error(e.value_location, e.key + " must not be empty: expected " + std::string(expected));
      return std::nullopt;
    }
    return text;
  }

  std::optional<std::string> path_text(const Entry& e, bool allow_empty) {
    return allow_empty ? scalar_text(e, "a file path", sink_, true) : non_empty_string(e, "a file path");
  }

  std::optional<std::chrono::seconds> duration(const Entry& e) {
    const auto text = scalar_text(e, kDurationExpected, sink_);
    if (!text) return std::nullopt;
    const auto value = parse_duration(*text);
    if (!value) {
      sink_.error(e.value_location, e.key + " must be " + std::string(kDurationExpected) +
                                        ", at most 36500d (got " + quote_value(*text) + ")");
    }
    return value;
  }

  void parse_name(const Entry& e) {
    if (scope_ == KeyScope::Defaults) {
      sink_.error(e.key_location, "name cannot be set in 'defaults:': every account needs its own name");
      return;
    }
    constexpr std::string_view kAllowed =
        "letters, digits, '.', '_' and '-' ([A-Za-z0-9._-]+), but not '.' or '..'";
    const auto text = scalar_text(e, "a name made of " + std::string(kAllowed), sink_);
    if (!text) return;
    if (!valid_account_name(*text)) {
      sink_.error(e.value_location, "account name must be made of " + std::string(kAllowed) + " (got " +
                                        quote_value(*text) + ")");
      return;
    }
    set(fields_.name, e, text);
  }

  void parse_email(const Entry& e) {
    const auto text = scalar_text(e, "an address like alice@example.com", sink_, true);
    if (!text) return;
    if (text->empty()) return set(fields_.email, e, text);  // "email:" alone: no address
    const auto at = text->rfind('@');
    if (at == std::string::npos || at == 0 || at + 1 == text->size() || has_space_or_control(*text)) {
      sink_.error(e.value_location,
                  "email must be an address like alice@example.com (got " + quote_value(*text) + ")");
      return;
    }
    set(fields_.email, e, text);
  }

  void parse_server(const Entry& e) {
    constexpr std::string_view kExpected = "a host name or an IPv4/IPv6 address";
    const auto text = non_empty_string(e, kExpected);
    if (!text) return;
    if (has_space_or_control(*text)) {
      sink_.error(e.value_location,
                  "server must be " + std::string(kExpected) + " (got " + quote_value(*text) + ")");
      return;
    }
    if (text->front() == '[') {
      sink_.error(e.value_location,
                  "server: write an IPv6 address without brackets and the port in 'port:' (got " +
                      quote_value(*text) + ")");
      return;
    }
    // Exactly one colon is "host:port"; an IPv6 address has at least two.
    const auto colon = text->find(':');
    if (colon != std::string::npos && text->find(':', colon + 1) == std::string::npos) {
      sink_.error(e.value_location, "server must not include a port (got " + quote_value(*text) +
                                        "); use port: " + text->substr(colon + 1) + " instead");
      return;
    }
    set(fields_.server, e, text);
  }

  void parse_port(const Entry& e) {
    constexpr std::string_view kExpected = "an integer in 1..65535";
    const auto text = scalar_text(e, kExpected, sink_);
    if (!text) return;
    const auto value = parse_integer(*text);
    if (!value || *value < 1 || *value > std::numeric_limits<std::uint16_t>::max()) {
      sink_.error(e.value_location,
                  "port must be " + std::string(kExpected) + " (got " + quote_value(*text) + ")");
      return;
    }
    fields_.port = Setting<std::uint16_t>{static_cast<std::uint16_t>(*value), e.value_location};
  }

  // Password values are never echoed: a misplaced password must not end up in a log.
  void parse_password(const Entry& e, PasswordSource::Kind kind) {
    std::optional<std::string> text;
    switch (kind) {
      case PasswordSource::Kind::Literal:
        text = non_empty_string(e, "a string");
        break;
      case PasswordSource::Kind::File:
        text = path_text(e, false);
        break;
      case PasswordSource::Kind::Command:
        text = non_empty_string(e, "a shell command");
        break;
      case PasswordSource::Kind::Env:
        text = non_empty_string(e, "the name of an environment variable");
        if (text && !is_env_name(*text)) {
          const bool dollar = text->front() == '$';
          sink_.error(e.value_location, dollar ? "password_env must be the variable's name, without '$'"
                                               : "password_env must be the name of an environment variable "
                                                 "(letters, digits and '_', not starting with a digit)");
          text.reset();
        }
        break;
      case PasswordSource::Kind::None:  // no key gives it
        break;
    }
    if (kind == PasswordSource::Kind::File && text) text = resolve_password_file(e, *text, paths_, sink_);
    if (!text) return;
    fields_.password = Setting<PasswordSource>{PasswordSource{kind, std::move(*text), {}}, e.value_location};
  }

  void parse_ca_file(const Entry& e) {
    auto text = path_text(e, true);
    if (text && !text->empty()) text = resolve_path(e, *text, paths_, sink_);
    if (!text) return;
    set(fields_.ca_file, e, std::optional<std::string>(*text));
  }

  // A path that must be given ("~/" and relative ones resolved like ca_file).
  void parse_file_path(std::optional<Setting<std::string>>& field, const Entry& e) {
    auto text = path_text(e, false);
    if (text) text = resolve_path(e, *text, paths_, sink_);
    set(field, e, text);
  }

  // One fingerprint or a list of them; every one must parse.
  void parse_tls_fingerprint(const Entry& e) {
    static constexpr std::string_view kExpected =
        "'sha256:' and the certificate's SHA-256 as 64 hex digits, pairs optionally separated by ':' (as "
        "`openssl x509 -noout -fingerprint -sha256` prints it)";
    std::vector<YAML::Node> nodes;
    if (e.value.IsSequence()) {
      for (const YAML::Node& item : e.value) nodes.push_back(item);
    } else {
      nodes.push_back(e.value);
    }
    std::vector<Sha256Pin> pins;
    for (const YAML::Node& node : nodes) {
      const std::optional<Sha256Pin> pin =
          node.IsScalar() ? parse_sha256_fingerprint(node.Scalar()) : std::nullopt;
      if (!pin) {
        sink_.error(e.value_location, "tls_fingerprint must be " + std::string(kExpected) + " (got " +
                                          (node.IsScalar() ? quote_value(node.Scalar()) : "not a string") +
                                          ")");
        return;
      }
      pins.push_back(*pin);
    }
    if (pins.empty()) {
      sink_.error(e.value_location, "tls_fingerprint needs at least one fingerprint: " + std::string(kExpected));
      return;
    }
    set(fields_.tls_fingerprint, e, std::optional<std::vector<Sha256Pin>>(std::move(pins)));
  }

  void parse_proxy(const Entry& e) {
    const auto text = scalar_text(e, "a URL socks5://[user[:password]@]host:port, or \"\"", sink_, true);
    if (!text) return;
    if (text->empty())
      return set(fields_.proxy, e, std::optional<std::optional<Proxy>>(std::optional<Proxy>()));
    auto proxy = parse_proxy_url(*text);
    if (!proxy) return sink_.error(e.value_location, "proxy: " + proxy.error().message);
    set(fields_.proxy, e, std::optional<std::optional<Proxy>>(std::move(*proxy)));
  }

  // 1.3 only where this build's mbedTLS speaks TLS 1.3: a config asking for
  // it elsewhere would fail every poll, so it fails to load instead.
  void parse_tls_min_version(const Entry& e) {
    const auto value = read_enum(e, kTlsMinVersionNames, sink_);
    if (value == TlsMinVersion::Tls1_3 && !tls_library().tls1_3) {
      sink_.error(e.value_location, "tls_min_version 1.3 needs TLS 1.3, which this build's mbedTLS " +
                                        tls_library().version + " lacks (mbedTLS 3.x has it); use 1.2");
      return;
    }
    set(fields_.tls_min_version, e, value);
  }

  void parse_poll_interval(const Entry& e) {
    const auto value = duration(e);
    if (!value) return;
    if (*value < kMinPollInterval) {
      sink_.error(e.value_location,
                  "poll_interval must be at least 10s: polling more often would hammer the server "
                  "(got " +
                      std::to_string(value->count()) + "s)");
      return;
    }
    set(fields_.poll_interval, e, value);
  }

  void parse_timeout(const Entry& e) {
    const auto value = duration(e);
    if (!value) return;
    if (value->count() == 0) {
      sink_.error(e.value_location,
                  "timeout must be more than 0s: it bounds the connect, the TLS handshake and "
                  "each server reply");
      return;
    }
    set(fields_.timeout, e, value);
  }

  void parse_keep(const Entry& e) {
    const auto text = scalar_text(e, "true or false", sink_);
    if (!text) return;
    const auto value = parse_bool(*text);
    if (!value) {
      sink_.error(e.value_location, "keep must be true or false (got " + quote_value(*text) + ")");
      return;
    }
    set(fields_.keep, e, value);
  }

  void parse_max_message_size(const Entry& e) {
    const auto text = scalar_text(e, kSizeExpected, sink_);
    if (!text) return;
    const auto value = parse_size(*text);
    if (!value) {
      sink_.error(e.value_location, "max_message_size must be " + std::string(kSizeExpected) + " (got " +
                                        quote_value(*text) + ")");
      return;
    }
    if (*value == 0) {
      sink_.error(e.value_location, "max_message_size must be more than 0: 0 would skip every message");
      return;
    }
    set(fields_.max_message_size, e, value);
  }

  KeyScope scope_;
  const PathContext& paths_;
  DiagnosticSink& sink_;
  AccountFields fields_;
  bool password_conflict_ = false;
};

}  // namespace

bool AccountFields::gives_password() const {
  return std::any_of(kPasswordKeys.begin(), kPasswordKeys.end(),
                     [this](std::string_view key) { return gives(key); });
}

AccountFields parse_account_fields(const YAML::Node& map, KeyScope scope, const PathContext& paths,
                                   DiagnosticSink& sink) {
  return FieldParser(scope, paths, sink).parse(map);
}

}  // namespace config::detail
