#include "support/dovecot_config.hpp"

#include <sstream>
#include <utility>

namespace test_support {
namespace {

// Enough for the concurrency tests (100+ simultaneous sessions from one IP):
// every POP3 session is one pop3 process; login processes serve many clients.
constexpr int kProcessLimit = 512;
constexpr int kClientLimit = 2000;
constexpr int kMaxUserIpConnections = 1000;

// One option, two spellings: what 2.3 wants and what 2.4 wants.
std::string pick(DovecotSyntax syntax, std::string v2_3, std::string v2_4) {
  return syntax == DovecotSyntax::V2_4 ? std::move(v2_4) : std::move(v2_3);
}

// 2.4 refuses a config that does not start with the version it was written
// for; the storage version keeps 2.4's own on-disk formats.
std::string version_header(DovecotSyntax s) {
  return pick(s, "", "dovecot_config_version = 2.4.0\ndovecot_storage_version = 2.4.0\n");
}

// Every login line carries the client's source port, so a test can pick out
// the lines of its own connection (and ignore the readiness probe).
std::string login_log(DovecotSyntax s) {
  return pick(s,
              "login_log_format_elements = user=<%u> method=%m rip=%r rport=%{rport} lip=%l mpid=%e %c "
              "session=<%{session}>\nlogin_log_format = %$: %s\n",
              "login_log_format_elements = user=<%{user}> method=%{mechanism} rip=%{remote_ip} "
              "rport=%{remote_port} lip=%{local_ip} mpid=%{mail_pid} %{secured} session=<%{session}>\n"
              "login_log_format = %{message}: %{elements}\n");
}

std::string cleartext_allowed(DovecotSyntax s) {
  return pick(s, "disable_plaintext_auth = no\n", "auth_allow_cleartext = yes\n");
}

// One passwd-file per user (see DovecotPaths::users_dir); the passwords carry
// their {PLAIN} scheme, which CRAM-MD5 and SCRAM need.
std::string user_databases(DovecotSyntax s, const std::string& users_dir) {
  return pick(s,
              "passdb {\n  driver = passwd-file\n  args = scheme=PLAIN " + users_dir +
                  "/%u\n}\nuserdb {\n  driver = passwd-file\n  args = " + users_dir + "/%u\n}\n",
              "passdb passwd-file {\n  passwd_file_path = " + users_dir +
                  "/%{user}\n}\nuserdb passwd-file {\n  passwd_file_path = " + users_dir + "/%{user}\n}\n");
}

std::string mail_location(DovecotSyntax s, const std::string& mail_root) {
  return pick(s, "mail_location = maildir:" + mail_root + "/%u/Maildir\n",
              "mail_driver = maildir\nmail_path = " + mail_root + "/%{user}/Maildir\n");
}

std::string uidl_format(DovecotSyntax s, bool bare_uid) {
  if (bare_uid) return pick(s, "pop3_uidl_format = %u\n", "pop3_uidl_format = %{uid}\n");
  return pick(s, "pop3_uidl_format = %08Xu%08Xv\n",
              "pop3_uidl_format = %{uid | hex(8)}%{uidvalidity | hex(8)}\n");
}

std::string ssl_files(DovecotSyntax s, const std::string& cert, const std::string& key) {
  return pick(s, "ssl_cert = <" + cert + "\nssl_key = <" + key + "\n",
              "ssl_server_cert_file = " + cert + "\nssl_server_key_file = " + key + "\n");
}

// One login process serves many clients (Dovecot's "high-performance" mode),
// so 100+ parallel logins need no 100 processes.
std::string login_process_reuse(DovecotSyntax s) {
  return pick(s, "  service_count = 0\n", "  restart_request_count = unlimited\n");
}

std::string listener_address(DovecotSyntax s, const std::string& address) {
  return pick(s, "    address = " + address + "\n", "    listen = " + address + "\n");
}

// The introspection settings both versions know, each after `prefix`.
std::string oauth2_settings(const std::string& url, const std::string& prefix) {
  return prefix + "introspection_mode = post\n" + prefix + "introspection_url = " + url + "\n" + prefix +
         "username_attribute = username\n" + prefix + "active_attribute = active\n" + prefix +
         "active_value = true\n"
         // Ask on every login: a token refused once must stay refused.
         + prefix + "force_introspection = yes\n";
}

// 2.3: an oauth2 passdb for the two mechanisms, its settings in a file of
// their own; 2.4 checks tokens in the mechanism itself, from global settings.
std::string oauth2_config(DovecotSyntax s, const DovecotConfigParams& p) {
  if (p.oauth2_introspection_url.empty()) return "";
  return pick(s,
              "passdb {\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n  args = " +
                  dovecot_paths(p.dir).oauth2_settings.string() + "\n}\n",
              oauth2_settings(p.oauth2_introspection_url, "oauth2_"));
}
}  // namespace

DovecotSyntax dovecot_syntax_of(std::string_view version_output) {
  unsigned major = 0, minor = 0;
  std::size_t i = 0;
  auto number = [&](unsigned& out) {
    const std::size_t start = i;
    while (i < version_output.size() && version_output[i] >= '0' && version_output[i] <= '9' &&
           i - start < 6) {
      out = out * 10 + static_cast<unsigned>(version_output[i] - '0');
      ++i;
    }
    return i > start;
  };
  if (!number(major) || i >= version_output.size() || version_output[i++] != '.' || !number(minor)) {
    return DovecotSyntax::V2_3;
  }
  return (major > 2 || (major == 2 && minor >= 4)) ? DovecotSyntax::V2_4 : DovecotSyntax::V2_3;
}

DovecotPaths dovecot_paths(const std::filesystem::path& dir) {
  return DovecotPaths{dir / "run",  dir / "state", dir / "dovecot.log",         dir / "mail",
                      dir / "users", dir / "run" / "lmtp", dir / "dovecot-oauth2.conf.ext"};
}

std::string render_dovecot_config(const DovecotConfigParams& p) {
  const DovecotPaths paths = dovecot_paths(p.dir);
  const DovecotSyntax s = p.syntax;
  std::ostringstream c;
  c << version_header(s) << "# Written by the popfetchd test fixture (tests/support/dovecot_config.cpp).\n"
    << "protocols = pop3" << (p.lmtp ? " lmtp" : "") << "\n"
    << "listen = 127.0.0.1\n"
    << "instance_name = " << p.instance_name
    << "\n"
    // The readiness probe checks for this, so it cannot mistake another
    // server that won a race for our port for ours.
    << "login_greeting = " << p.instance_name << " ready.\n"
    << "base_dir = " << paths.base_dir.string() << "\n"
    << "state_dir = " << paths.state_dir.string() << "\n"
    << "log_path = " << paths.log_file.string() << "\n"
    << "info_log_path = " << paths.log_file.string() << "\n"
    << "debug_log_path = " << paths.log_file.string() << "\n"
    << login_log(s) << "auth_verbose = yes\n"
    << "auth_verbose_passwords = no\n"
    << "auth_cache_size = 0\n"
    << "auth_mechanisms = " << p.auth_mechanisms << "\n"
    << cleartext_allowed(s)
    // No penalty delay after a failed login: tests of wrong passwords stay fast.
    << "auth_failure_delay = 0\n"
    << user_databases(s, paths.users_dir.string()) << "first_valid_uid = " << p.mail_uid << "\n"
    << "first_valid_gid = " << p.mail_gid << "\n"
    << mail_location(s, paths.mail_root.string()) << uidl_format(s, p.bare_uid_uidls)
    << "mail_max_userip_connections = " << kMaxUserIpConnections << "\n"
    << "default_process_limit = " << kProcessLimit << "\n"
    << "default_client_limit = " << kClientLimit << "\n"
    << "default_vsz_limit = 1G\n";
  if (p.ssl) {
    c << "ssl = yes\n"
      << ssl_files(s, p.cert_file.string(), p.key_file.string()) << "ssl_min_protocol = TLSv1.2\n";
  } else {
    c << "ssl = no\n";
  }
  if (!p.unprivileged_user.empty()) {
    c << "default_login_user = " << p.unprivileged_user << "\n"
      << "default_internal_user = " << p.unprivileged_user << "\n"
      << "default_internal_group = " << p.unprivileged_group << "\n";
  }
  c << "service pop3-login {\n"
    << "  inet_listener pop3 {\n"
    << "    port = " << p.pop3_port << "\n"
    << "  }\n";
  if (p.ssl) {
    c << "  inet_listener pop3s {\n"
      << "    port = " << p.pop3s_port << "\n"
      << "    ssl = yes\n"
      << "  }\n";
  }
  c << login_process_reuse(s) << "  process_min_avail = 1\n"
    << "  client_limit = " << kClientLimit << "\n";
  // chroot() needs root; unprivileged runs do without it.
  if (!p.unprivileged_user.empty()) c << "  chroot =\n";
  c << "}\n"
    << "service pop3 {\n"
    << "  process_limit = " << kProcessLimit << "\n"
    << "}\n";
  // Dovecot's auth penalty (anvil) delays every authentication from an IP
  // that recently failed one by 2-15 s - also successful ones, also other
  // users' - and auth_failure_delay does not cover it. Tests of wrong
  // passwords would slow down every later login from 127.0.0.1. mode = 0
  // disables anvil's penalty listener, and auth then runs without penalties.
  c << "service anvil {\n";
  if (!p.unprivileged_user.empty()) c << "  chroot =\n";
  c << "  unix_listener anvil-auth-penalty {\n"
    << "    mode = 0\n"
    << "  }\n"
    << "}\n";
  if (p.lmtp) {
    // The socket's default name and place (base_dir/lmtp), as a system
    // Dovecot has it; mode 0666 so a test running as any user may deliver.
    c << "service lmtp {\n"
      << "  unix_listener lmtp {\n"
      << "    mode = 0666\n"
      << "  }\n";
    if (p.lmtp_port != 0) {
      c << "  inet_listener lmtp {\n"
        << listener_address(s, "127.0.0.1") << "    port = " << p.lmtp_port << "\n"
        << "  }\n";
    }
    c << "}\n";
  }
  c << oauth2_config(s, p);
  for (const auto& line : p.extra_lines) c << line << "\n";
  return c.str();
}

std::string oauth2_settings_file(const std::string& introspection_url) {
  return oauth2_settings(introspection_url, "");
}

std::vector<std::string> client_cert_auth_lines(DovecotSyntax syntax, const std::filesystem::path& client_ca_file) {
  if (syntax == DovecotSyntax::V2_4) {
    // 2.4 renamed the server-side TLS settings (ssl_server_*), takes file
    // paths without '<', and filters a passdb by mechanism with
    // mechanisms_filter; passdb extra fields go in a fields block.
    return {"ssl_server_ca_file = " + client_ca_file.string(),
            "ssl_server_request_client_cert = yes",
            "ssl_server_require_crl = no",  // the test CA publishes no CRL
            "auth_ssl_require_client_cert = yes",
            "auth_ssl_username_from_cert = yes",
            "ssl_server_cert_username_field = commonName",
            "passdb static {",
            "  mechanisms_filter = external",
            "  fields {",
            "    nopassword = yes",
            "  }",
            "}"};
  }
  return {"ssl_ca = <" + client_ca_file.string(),
          "ssl_verify_client_cert = yes",
          // The test CA publishes no CRL; Dovecot requires one by default.
          "ssl_require_crl = no",
          "auth_ssl_require_client_cert = yes",
          "auth_ssl_username_from_cert = yes",
          "ssl_cert_username_field = commonName",
          // EXTERNAL verifies an empty password (Dovecot's mech-external).
          "passdb {",
          "  driver = static",
          "  mechanisms = external",
          "  args = nopassword=y",
          "}"};
}

}  // namespace test_support
