#pragma once
// The text of the dovecot.conf the DovecotServer fixture runs with: a complete
// stand-alone config (no include of /etc/dovecot), so a system-wide Dovecot
// and its settings can neither leak in nor collide.
// Pure function; no I/O, no errors.

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace test_support {

struct DovecotConfigParams {
  std::filesystem::path dir;  // the fixture's private directory; everything lives below it
  std::string instance_name;  // shows in `ps` as dovecot-<instance_name>/...
  std::uint16_t pop3_port = 0;
  std::uint16_t pop3s_port = 0;  // unused when !ssl
  bool ssl = true;
  std::filesystem::path cert_file;
  std::filesystem::path key_file;
  std::string auth_mechanisms;
  uid_t mail_uid = 65534;
  gid_t mail_gid = 65534;
  // Empty when running as root (Dovecot drops to its own dovecot/dovenull
  // users); else the current user's name, for every service.
  std::string unprivileged_user;
  std::string unprivileged_group;
  // Also serve LMTP (for delivery tests): on the unix socket
  // dovecot_paths(dir).lmtp_socket and, when lmtp_port is not 0, on
  // 127.0.0.1:lmtp_port.
  bool lmtp = false;
  std::uint16_t lmtp_port = 0;
  std::vector<std::string> extra_lines;  // appended verbatim, for tests that need a special setting
};

// Paths below `dir` that the config names; the fixture creates them.
struct DovecotPaths {
  std::filesystem::path base_dir, state_dir, log_file, mail_root;
  // One passwd-file per user (<users_dir>/<name>), named with %u in the
  // config: Dovecot's auth process stat()s a passwd-file at most once per
  // second, so a user appended to one shared file could stay invisible for up
  // to a second; a file it has never seen (or saw missing) is read at once.
  std::filesystem::path users_dir;
  std::filesystem::path lmtp_socket;  // <base_dir>/lmtp, when LMTP is on
};
DovecotPaths dovecot_paths(const std::filesystem::path& dir);

std::string render_dovecot_config(const DovecotConfigParams& params);

// OAuth2 (xoauth2, oauthbearer): an `oauth2` passdb that asks the
// token-introspection endpoint at `introspection_url` (RFC 7662, POST
// token=...) and takes the user name from its "username" when "active" is
// true. Dovecot 2.3 syntax: the passdb block (dovecot.conf lines, e.g. for
// DovecotOptions::extra_config; placed before the passwd-file passdb's
// mechanisms, it serves only xoauth2 and oauthbearer) and the text of the
// file its args name (`settings_file`), which the caller writes.
std::vector<std::string> oauth2_passdb_lines(const std::filesystem::path& settings_file);
std::string oauth2_passdb_settings(const std::string& introspection_url);

// SASL EXTERNAL with TLS client certificates: Dovecot asks every TLS client
// for a certificate issued by the CA in `client_ca_file` (PEM), refuses any
// authentication without a valid one, takes the user name from its
// commonName, and a static passdb accepts EXTERNAL logins without a password.
// Dovecot 2.3 syntax (dovecot.conf lines, e.g. for DovecotOptions::
// extra_config); auth_mechanisms must list `external`.
std::vector<std::string> client_cert_auth_lines(const std::filesystem::path& client_ca_file);

}  // namespace test_support
