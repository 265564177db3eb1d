#pragma once
// The valid key names of each map in the config file, the "unknown key"
// message with a "did you mean" suggestion, and one name table per enum, used
// both to parse the config (read_enum) and to print a value (to_string).
// Pure string work; internal to src/config.

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "common/log.hpp"
#include "config/config.hpp"

namespace config::detail {

template <class E>
struct EnumName {
  std::string_view name;
  E value;
};

// True when table[i] names the enumerator whose value is i, for every i: then
// the table has one row per enumerator (with the size check beside it) and
// name_of() can index it.
template <class E, std::size_t N>
constexpr bool in_enum_order(const std::array<EnumName<E>, N>& table) {
  for (std::size_t i = 0; i < N; ++i) {
    if (static_cast<std::size_t>(table[i].value) != i) return false;
  }
  return true;
}

template <class E, std::size_t N>
constexpr std::string_view name_of(const std::array<EnumName<E>, N>& table, E value) {
  const auto index = static_cast<std::size_t>(value);
  return index < N ? table[index].name : std::string_view("unknown");
}

inline constexpr std::array<EnumName<Security>, 5> kSecurityNames = {{
    {"none", Security::None},
    {"tls", Security::Tls},
    {"tls-if-available", Security::TlsIfAvailable},
    {"starttls", Security::StartTls},
    {"starttls-if-available", Security::StartTlsIfAvailable},
}};
static_assert(kSecurityNames.size() == static_cast<std::size_t>(Security::StartTlsIfAvailable) + 1);
static_assert(in_enum_order(kSecurityNames));

inline constexpr std::array<EnumName<AuthMethod>, 9> kAuthNames = {{
    {"plain", AuthMethod::Plain},
    {"cram-md5", AuthMethod::CramMd5},
    {"login", AuthMethod::Login},
    {"scram-sha-1", AuthMethod::ScramSha1},
    {"scram-sha-256", AuthMethod::ScramSha256},
    {"xoauth2", AuthMethod::XOAuth2},
    {"oauthbearer", AuthMethod::OAuthBearer},
    {"auto", AuthMethod::Auto},
    {"external", AuthMethod::External},
}};
static_assert(kAuthNames.size() == static_cast<std::size_t>(AuthMethod::External) + 1);
static_assert(in_enum_order(kAuthNames));

inline constexpr std::array<EnumName<Pipelining>, 3> kPipeliningNames = {{
    {"auto", Pipelining::Auto},
    {"on", Pipelining::On},
    {"off", Pipelining::Off},
}};
static_assert(kPipeliningNames.size() == static_cast<std::size_t>(Pipelining::Off) + 1);
static_assert(in_enum_order(kPipeliningNames));

inline constexpr std::array<EnumName<TlsMinVersion>, 2> kTlsMinVersionNames = {{
    {"1.2", TlsMinVersion::Tls1_2},
    {"1.3", TlsMinVersion::Tls1_3},
}};
static_assert(kTlsMinVersionNames.size() == static_cast<std::size_t>(TlsMinVersion::Tls1_3) + 1);
static_assert(in_enum_order(kTlsMinVersionNames));

// The config key that gives each kind of password source.
inline constexpr std::array<EnumName<PasswordSource::Kind>, 5> kPasswordSourceNames = {{
    {"password", PasswordSource::Kind::Literal},
    {"password_file", PasswordSource::Kind::File},
    {"password_command", PasswordSource::Kind::Command},
    {"password_env", PasswordSource::Kind::Env},
    {"no password", PasswordSource::Kind::None},
}};
static_assert(kPasswordSourceNames.size() == static_cast<std::size_t>(PasswordSource::Kind::None) + 1);
static_assert(in_enum_order(kPasswordSourceNames));

inline constexpr std::array<EnumName<common::LogLevel>, 4> kLogLevelNames = {{
    {"error", common::LogLevel::Error},
    {"warn", common::LogLevel::Warn},
    {"info", common::LogLevel::Info},
    {"debug", common::LogLevel::Debug},
}};
static_assert(kLogLevelNames.size() == static_cast<std::size_t>(common::LogLevel::Debug) + 1);
static_assert(in_enum_order(kLogLevelNames));

inline constexpr std::array<std::string_view, 10> kTopLevelKeys = {
    "database",  "health_socket",        "health_socket_group",  "health_socket_mode", "metrics_listen",
    "log_level", "max_concurrent_polls", "max_polls_per_server", "defaults",           "accounts",
};

inline constexpr std::array<std::string_view, 26> kAccountKeys = {
    "name",     "email",         "server",           "security",     "port",    "username",      "auth",
    "password", "password_file", "password_command", "password_env", "ca_file", "poll_interval", "timeout",
    "keep",     "delete_after",  "max_message_size", "pipelining",   "deliver", "tls_fingerprint",
    "proxy",    "tls_min_version", "tls_client_cert", "tls_client_key", "on_failure", "on_new_mail",
};

inline constexpr std::array<std::string_view, 4> kPasswordKeys = {
    "password",
    "password_file",
    "password_command",
    "password_env",
};

enum class KeyScope { TopLevel, Defaults, Account };

bool is_account_key(std::string_view key);
bool is_password_key(std::string_view key);

// "unknown account key 'pol_interval'; did you mean 'poll_interval'?", or, with
// nothing close, the list of valid keys; a top-level key inside an account (or
// the reverse) says where it belongs.
std::string unknown_key_message(std::string_view key, KeyScope scope);

}  // namespace config::detail
