#pragma once
// The configuration of DESIGN.md §2 as plain structs, and its loader.
// Owns nothing but values; never opens a network connection. The loader is the
// only place in popfetchd where exceptions (from yaml-cpp) are caught: callers
// see Diagnostics, never an exception. resolve_password() is the only function
// here that reads password files, runs commands or reads the environment for a
// password; it returns ErrorKind::Config errors that never contain the password.
//
// Paths: "~/" at the start of a path expands to $HOME; relative `database`,
// `health_socket`, `ca_file`, `tls_client_cert`, `tls_client_key`, `password_file` and delivery paths resolve against the directory of the config file (so a config and its
// files can move together). A relative `password_file` that exists in
// $CREDENTIALS_DIRECTORY (systemd LoadCredential=) is taken from there instead.
// After loading, these fields hold the resolved paths. Without `database` or
// `health_socket`, the defaults of locations.hpp apply.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/log.hpp"
#include "common/result.hpp"
#include "common/secret.hpp"
#include "config/delivery_target.hpp"
#include "config/locations.hpp"

namespace config {

// poll_interval below this is rejected: it would hammer the server (and many
// providers lock out clients that log in more often than every few seconds).
inline constexpr std::chrono::seconds kMinPollInterval{10};
// Durations above this are rejected as typos; it also keeps every duration far
// from overflowing when callers convert to milliseconds or add it to a time point.
inline constexpr std::chrono::seconds kMaxDuration{36500LL * 24 * 3600};  // 100 years
// A password (first line of a file or of a command's output) is at most this long.
inline constexpr std::size_t kMaxPasswordLength = 64 * 1024;
// A password_command still running after this is killed (with its process
// group) and the source fails: a prompt nobody answers must not hang popfetchd.
inline constexpr std::chrono::seconds kPasswordCommandTimeout{30};

using Sha256Pin = std::array<std::uint8_t, 32>;

// "sha256:" and 64 hex digits, pairs optionally separated by ':' (what
// `openssl x509 -fingerprint -sha256` prints), case-insensitive; else nullopt.
std::optional<Sha256Pin> parse_sha256_fingerprint(std::string_view text);

enum class Security { None, Tls, TlsIfAvailable, StartTls, StartTlsIfAvailable };
// External (SASL EXTERNAL, RFC 4422 appendix A): the TLS client certificate
// is the credential; no password is needed.
enum class AuthMethod { Plain, CramMd5, Login, ScramSha1, ScramSha256, XOAuth2, OAuthBearer, Auto, External };
enum class Pipelining { Auto, On, Off };
enum class TlsMinVersion { Tls1_2, Tls1_3 };

std::string_view to_string(Security value);    // "none", "tls", "tls-if-available", ...
std::string_view to_string(AuthMethod value);  // "plain", "cram-md5", "login", "scram-sha-256", ...
std::string_view to_string(Pipelining value);  // "auto", "on", "off"
std::string_view to_string(TlsMinVersion value);  // "1.2", "1.3"

// True for the modes that encrypt and verify the certificate (tls, starttls).
bool verifies_certificate(Security value);
// True for implicit TLS (tls, tls-if-available): default port 995.
bool implicit_tls(Security value);

// The one account-name rule (DESIGN.md §2): [A-Za-z0-9._-]+, but not "." or
// "..". The name becomes a file name (the lock file) and a URL path segment
// (POST /poll/<name>), so the loader, the lock files and the health routes all
// ask this function.
bool valid_account_name(std::string_view name);

struct PasswordSource {
  // None: no password is needed (auth: external without a password source);
  // resolves to an empty secret.
  enum class Kind { Literal, File, Command, Env, None };
  Kind kind = Kind::Literal;
  std::string value;  // the password itself (Literal), a path, a shell command, or a variable name
  // Command only: environment variables the command's child must not see.
  // The loader puts here every name that any account of the file gives as
  // password_env, so one account's helper never sees another's secret.
  std::vector<std::string> withheld_env;
  bool operator==(const PasswordSource&) const = default;
};
std::string_view to_string(PasswordSource::Kind kind);  // "password", "password_file", ...

// proxy: socks5://[user[:password]@]host:port (socks5h:// is taken as the
// same: the proxy always resolves the POP3 server's name). User and password
// may be percent-encoded (%40 for '@').
struct Proxy {
  std::string host;  // name or IP literal, without brackets
  std::uint16_t port = 0;
  std::string username;  // empty with an empty password: no authentication
  // Shared so that Account stays a copyable value; never null; compared by content.
  std::shared_ptr<const common::Secret> password = std::make_shared<const common::Secret>();
  bool operator==(const Proxy& other) const;
};
// The URL parsed, or why not (a message that never contains the password).
common::Result<Proxy> parse_proxy_url(std::string_view url);

// Where a value came from in the YAML file, for messages (1-based).
struct Location {
  std::string file;
  int line = 0;
  int column = 0;
  bool operator==(const Location&) const = default;
};

struct Account {
  std::string name;
  std::string email;  // may be empty
  std::string server;
  Security security = Security::Tls;
  std::uint16_t port = 995;
  std::string username;  // defaults to the local part of email
  bool username_from_email = false;  // no username: given, it is that local part
  AuthMethod auth = AuthMethod::Plain;
  PasswordSource password;
  std::string ca_file;  // empty: the system CA bundle
  // tls_fingerprint: SHA-256 digests of accepted server certificates (DER);
  // when not empty they replace the chain and host checks.
  std::vector<Sha256Pin> tls_fingerprints;
  // tls_min_version: the oldest TLS version accepted from the server. 1.3
  // needs an mbedTLS with TLS 1.3 (3.x); the loader refuses it otherwise.
  TlsMinVersion tls_min_version = TlsMinVersion::Tls1_2;
  // tls_client_cert, tls_client_key: PEM files of the TLS client certificate
  // and its key (resolved paths); both or neither; empty: none.
  std::string tls_client_cert;
  std::string tls_client_key;
  std::chrono::seconds poll_interval{300};
  std::chrono::seconds timeout{60};
  bool keep = true;
  std::optional<std::chrono::seconds> delete_after;
  std::uint64_t max_message_size = 50ull * 1000 * 1000;
  Pipelining pipelining = Pipelining::Auto;
  std::optional<Proxy> proxy;  // none: connect directly
  // Where each new message goes besides the archive (empty: nowhere). An lmtp
  // target's recipient is filled in: the email, else the username.
  std::vector<DeliveryTarget> deliver;
  // Hooks: a program and its arguments, run without a shell (empty: none).
  // on_failure when the account turns from healthy to failing and again when
  // it recovers; on_new_mail after a poll stored new messages.
  std::vector<std::string> on_failure;
  std::vector<std::string> on_new_mail;
  Location location;  // of the account's entry in the list

  // Every field, `location` included (see daemon::same_settings for "the
  // same settings wherever they stand in the file").
  bool operator==(const Account&) const = default;
};

// An address to listen on: an IP literal (IPv6 without brackets) and a port.
struct ListenAddress {
  std::string host;
  std::uint16_t port = 0;
  bool operator==(const ListenAddress&) const = default;
};
// "127.0.0.1:9423" or "[::1]:9423": an IPv4 or bracketed IPv6 literal, a
// colon and a port 1-65535. Host names are refused (nothing may depend on DNS
// when the daemon starts); nullopt when malformed.
std::optional<ListenAddress> parse_listen_address(std::string_view text);

struct Config {
  std::string path;  // the file it was loaded from
  std::string database = "/var/lib/popfetchd/popfetchd.db";
  std::string health_socket = "/run/popfetchd/health.sock";
  // The socket file's group ("" keeps the daemon's) and mode, so a monitoring
  // user (prometheus, telegraf) in that group can read it without root.
  std::string health_socket_group;
  unsigned health_socket_mode = 0660;
  // metrics_listen: a TCP listener for the read-only GET /metrics, /health and
  // /livez (never the POST routes); nullopt (the default) = none.
  std::optional<ListenAddress> metrics_listen;
  common::LogLevel log_level = common::LogLevel::Info;
  // 64: 100 accounts at 50 ms round trip poll in 2 rounds instead of 7
  // (bench/RESULTS.md, scenario D), and one server still sees fewer sessions
  // than Dovecot's default_process_limit of 100.
  unsigned max_concurrent_polls = 64;
  // At most this many of those sessions against one server (its host name,
  // lower-cased, and port): for providers that limit the connections per
  // client address. 0 (the default): no cap of its own.
  unsigned max_polls_per_server = 0;
  std::vector<Account> accounts;
  // Every password_env of the file, sorted: withheld from the environment of
  // the child processes popfetchd starts (password commands, MDAs).
  std::vector<std::string> password_env_names;

  const Account* find_account(std::string_view name) const;
};

// One problem found in a config file, printed as "file:line:col: message".
struct Diagnostic {
  Location location;
  std::string message;
  std::string to_string() const;
};

// Either a valid Config or every problem found in the file (not only the first).
struct LoadResult {
  std::optional<Config> config;
  std::vector<Diagnostic> errors;
  bool ok() const { return config.has_value(); }
};

// Reads and validates `path`. A missing or unreadable file is one diagnostic at
// line 0 (printed as "file: message"). Never resolves passwords.
LoadResult load_file(const std::string& path);
// For tests and tools: `file_name` is used in diagnostics and its directory
// (lexically; none for a bare name) is the base for relative paths.
LoadResult load_string(const std::string& yaml, const std::string& file_name);
// The same with a given environment ($HOME for "~/", systemd's directories and
// XDG for the default database and socket) instead of the process's own.
LoadResult load_string(const std::string& yaml, const std::string& file_name, const Environment& env);

// Resolves a password source: the literal; the first line of the file; the
// first line of stdout of `/bin/sh -c command` (stdin is /dev/null, stderr is
// inherited, the environment is ours minus source.withheld_env; blocks until
// the command exits, so call it before the loop runs or off the loop thread);
// the environment variable. A trailing "\r\n" or "\n" is
// stripped. Missing/unreadable/empty file, non-zero exit, death by a signal,
// empty output, unset/empty variable: ErrorKind::Config, naming the file,
// exit status or variable, never the password or the command's output.
// The password comes as a Secret: it wipes itself when its last owner goes.
common::Result<common::Secret> resolve_password(const PasswordSource& source);

// The classic footguns of DESIGN.md §2 (starttls/none on 995, tls on 110, weak
// modes, a world- or group-readable file holding a password), as one-line warnings.
std::vector<Diagnostic> footgun_warnings(const Config& config);

// "30s", "5m", "2h", "30d", "45" (seconds): digits and one lower-case unit.
// nullopt when malformed, negative, fractional or above kMaxDuration.
std::optional<std::chrono::seconds> parse_duration(std::string_view text);
// "50MB", "512KB", "1GB", "1000" (bytes); KB/MB/GB are powers of 1000, KiB/MiB/GiB
// of 1024, B is bytes; the suffix is case-insensitive. nullopt when malformed,
// negative, fractional or above 2^64-1.
std::optional<std::uint64_t> parse_size(std::string_view text);

}  // namespace config
