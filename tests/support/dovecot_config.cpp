#include "support/dovecot_config.hpp"

#include <sstream>

namespace test_support {
namespace {

// Enough for the concurrency tests (100+ simultaneous sessions from one IP):
// every POP3 session is one pop3 process; login processes serve many clients.
constexpr int kProcessLimit = 512;
constexpr int kClientLimit = 2000;
constexpr int kMaxUserIpConnections = 1000;

}  // namespace

DovecotPaths dovecot_paths(const std::filesystem::path& dir) {
  return DovecotPaths{dir / "run",  dir / "state", dir / "dovecot.log",
                      dir / "mail", dir / "users", dir / "run" / "lmtp"};
}

std::string render_dovecot_config(const DovecotConfigParams& p) {
  const DovecotPaths paths = dovecot_paths(p.dir);
  std::ostringstream c;
  c << "# Written by the popfetchd test fixture (tests/support/dovecot_config.cpp).\n"
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
    << "debug_log_path = " << paths.log_file.string()
    << "\n"
    // Every login line carries the client's source port, so a test can pick
    // out the lines of its own connection (and ignore the readiness probe).
    << "login_log_format_elements = user=<%u> method=%m rip=%r rport=%{rport} lip=%l mpid=%e %c "
       "session=<%{session}>\n"
    << "login_log_format = %$: %s\n"
    << "auth_verbose = yes\n"
    << "auth_verbose_passwords = no\n"
    << "auth_cache_size = 0\n"
    << "auth_mechanisms = " << p.auth_mechanisms << "\n"
    << "disable_plaintext_auth = no\n"
    // No penalty delay after a failed login: tests of wrong passwords stay fast.
    << "auth_failure_delay = 0\n"
    << "passdb {\n"
    << "  driver = passwd-file\n"
    << "  args = scheme=PLAIN " << paths.users_dir.string() << "/%u\n"
    << "}\n"
    << "userdb {\n"
    << "  driver = passwd-file\n"
    << "  args = " << paths.users_dir.string() << "/%u\n"
    << "}\n"
    << "first_valid_uid = " << p.mail_uid << "\n"
    << "first_valid_gid = " << p.mail_gid << "\n"
    << "mail_location = maildir:" << paths.mail_root.string() << "/%u/Maildir\n"
    << "pop3_uidl_format = %08Xu%08Xv\n"
    << "mail_max_userip_connections = " << kMaxUserIpConnections << "\n"
    << "default_process_limit = " << kProcessLimit << "\n"
    << "default_client_limit = " << kClientLimit << "\n"
    << "default_vsz_limit = 1G\n";
  if (p.ssl) {
    c << "ssl = yes\n"
      << "ssl_cert = <" << p.cert_file.string() << "\n"
      << "ssl_key = <" << p.key_file.string() << "\n"
      << "ssl_min_protocol = TLSv1.2\n";
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
  // service_count = 0: one login process serves many clients (Dovecot's
  // "high-performance" mode), so 100+ parallel logins need no 100 processes.
  c << "  service_count = 0\n"
    << "  process_min_avail = 1\n"
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
        << "    address = 127.0.0.1\n"
        << "    port = " << p.lmtp_port << "\n"
        << "  }\n";
    }
    c << "}\n";
  }
  for (const auto& line : p.extra_lines) c << line << "\n";
  return c.str();
}

std::vector<std::string> oauth2_passdb_lines(const std::filesystem::path& settings_file) {
  return {"passdb {", "  driver = oauth2", "  mechanisms = xoauth2 oauthbearer",
          "  args = " + settings_file.string(), "}"};
}

std::vector<std::string> client_cert_auth_lines(const std::filesystem::path& client_ca_file) {
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

std::string oauth2_passdb_settings(const std::string& introspection_url) {
  return "introspection_mode = post\n"
         "introspection_url = " + introspection_url + "\n"
         "username_attribute = username\n"
         "active_attribute = active\n"
         "active_value = true\n"
         // Ask on every login: a token refused once must stay refused.
         "force_introspection = yes\n";
}

}  // namespace test_support
