#pragma once
// The text of the dovecot.conf the DovecotServer fixture runs with: a complete
// stand-alone config (no include of /etc/dovecot), so a system-wide Dovecot
// and its settings can neither leak in nor collide. Written in the syntax of
// the installed Dovecot: 2.4 renamed and restructured many settings (named
// passdb/userdb blocks, ssl_server_*_file, mail_driver/mail_path, %{var}
// variables), and it refuses a 2.3 config. Each option maps to one small
// 2.3/2.4 pair of snippets in dovecot_config.cpp.
// Pure functions; no I/O, no errors.

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace test_support {

enum class DovecotSyntax { V2_3, V2_4 };

// The syntax for the output of `dovecot --version` ("2.3.19.1 (9b53102964)",
// "2.4.1-4 (7d8c0e5759)"): 2.4 and later use the 2.4 syntax; anything else,
// including text that is no version, the 2.3 one.
DovecotSyntax dovecot_syntax_of(std::string_view version_output);

struct DovecotConfigParams {
  DovecotSyntax syntax = DovecotSyntax::V2_3;
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
  // UIDLs are the bare message UIDs ("1", "2", ...) instead of Dovecot's
  // default UID+UIDVALIDITY in hex, as some servers have them.
  bool bare_uid_uidls = false;
  // Non-empty: xoauth2 and oauthbearer tokens are checked at this RFC 7662
  // token-introspection endpoint (POST token=...); the user name is its
  // "username" when "active" is true. 2.3 reads these settings from the file
  // DovecotPaths::oauth2_settings (oauth2_settings_file() gives its text), 2.4
  // from dovecot.conf itself.
  std::string oauth2_introspection_url;
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
  std::filesystem::path oauth2_settings;  // Dovecot 2.3's oauth2 passdb settings, when OAuth2 is on
};
DovecotPaths dovecot_paths(const std::filesystem::path& dir);

std::string render_dovecot_config(const DovecotConfigParams& params);

// The text of DovecotPaths::oauth2_settings for Dovecot 2.3's oauth2 passdb.
std::string oauth2_settings_file(const std::string& introspection_url);

// SASL EXTERNAL with TLS client certificates: Dovecot asks every TLS client
// for a certificate issued by the CA in `client_ca_file` (PEM), refuses any
// authentication without a valid one, takes the user name from its
// commonName, and a static passdb accepts EXTERNAL logins without a password.
// dovecot.conf lines in the given syntax (e.g. for DovecotOptions::
// extra_config); auth_mechanisms must list `external`.
std::vector<std::string> client_cert_auth_lines(DovecotSyntax syntax, const std::filesystem::path& client_ca_file);

}  // namespace test_support
