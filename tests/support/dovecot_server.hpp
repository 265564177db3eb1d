#pragma once
// DovecotServer: a real Dovecot POP3 server for integration tests, started on
// 127.0.0.1 with its own config, certificates, passwd-file, Maildirs, logs and
// free high ports, all in one private temp directory (DESIGN.md §6).
//
// Owns: the temp directory (removed by the destructor unless start() failed or
// POPFETCHD_KEEP_FIXTURES=1 is set) and the dovecot master process with its
// process group (stop() and the destructor SIGTERM it and reap it; nothing is
// left running). Never touches /etc/dovecot, a system-wide Dovecot, or any
// process it did not start.
// Errors: common::ErrorKind::Io for file, process and socket failures (a failed
// start includes the tail of Dovecot's log), Timeout when Dovecot is not ready
// in time, Config for a bad user name or password.
//
// Threading: one test thread drives it; ports and paths may be read anywhere.
// Line ends, NUL and 8-bit bytes: see support/maildir_message.hpp.

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "support/child_process.hpp"
#include "support/dovecot_config.hpp"
#include "support/temp_dir.hpp"
#include "support/test_pki.hpp"

namespace test_support {

struct DovecotOptions {
  bool ssl = true;  // false: "ssl = no", no pop3s listener, no STLS in CAPA
  std::string auth_mechanisms = "plain login cram-md5";
  CertificateOptions certificate;
  // Bound for the readiness poll; a healthy start takes well under a second.
  std::chrono::milliseconds ready_timeout{15'000};
  // Extra dovecot.conf lines, appended verbatim: in the syntax of the
  // installed Dovecot (DovecotServer::config_syntax()).
  std::vector<std::string> extra_config;
  // UIDLs are the bare message UIDs ("1", "2", ...), as on some servers.
  bool bare_uid_uidls = false;
  // Non-empty: xoauth2/oauthbearer tokens are checked at this token-introspection
  // endpoint (see DovecotConfigParams::oauth2_introspection_url); name the two
  // mechanisms in auth_mechanisms too.
  std::string oauth2_introspection_url;
  // Also serve LMTP on lmtp_socket() and 127.0.0.1:lmtp_port(), for delivery tests.
  bool lmtp = false;

  // Options with ssl = false. (Designated initializers such as {.ssl = false}
  // trip GCC 12's -Wmissing-field-initializers, so use this or assignments.)
  static DovecotOptions without_ssl() {
    DovecotOptions options;
    options.ssl = false;
    return options;
  }
};

struct DeliveredMessage {
  std::string file_name;      // name given in new/; Dovecot later moves it to cur/ with ":2,<flags>"
  std::size_t stored_size;    // bytes in the Maildir file (LF line ends), the S= value
  std::size_t list_size;      // what LIST/STAT report for it, the W= value
  std::string expected_pop3;  // expected_pop3_bytes(raw): what RETR must yield
};

class DovecotServer {
 public:
  using Options = DovecotOptions;

  DovecotServer() = default;
  DovecotServer(const DovecotServer&) = delete;
  DovecotServer& operator=(const DovecotServer&) = delete;
  ~DovecotServer();

  // Writes config and certificates, starts `dovecot -F` and returns once the
  // POP3 port answers "+OK". May be called again after stop() (same users and
  // mail, new ports).
  common::Status start(const Options& options = {});
  // SIGTERM, wait, reap. Idempotent. log_text() stays readable afterwards.
  common::Status stop();
  bool running() const;

  // Adds a passwd-file entry ({PLAIN}, so CRAM-MD5 works) and the user's
  // Maildir. Safe before and after start(), usable at once: each user has its
  // own passwd-file, written atomically (see DovecotPaths::users_dir).
  // name: [A-Za-z0-9._@-]+; password: no ':' or line break.
  common::Status add_user(std::string_view name, std::string_view password);

  // Stores `raw` (CRLF or LF line ends) as a new message in the user's Maildir
  // (tmp/ then rename into new/), owned by the mail uid. Messages get UIDs in
  // delivery order.
  common::Result<DeliveredMessage> deliver(std::string_view user, std::string_view raw);

  // Messages currently in the user's Maildir (cur/ + new/): after DELE+QUIT
  // Dovecot removes the file, so this drops.
  common::Result<std::size_t> mailbox_size(std::string_view user) const;

  // See support/maildir_message.hpp.
  static std::string expected_pop3_bytes(std::string_view raw);

  std::string host() const { return "127.0.0.1"; }
  std::uint16_t pop3_port() const { return pop3_port_; }
  std::uint16_t pop3s_port() const { return pop3s_port_; }  // 0 when ssl = false
  std::uint16_t lmtp_port() const { return lmtp_port_; }    // 0 unless Options::lmtp
  std::filesystem::path lmtp_socket() const;                // meaningful with Options::lmtp
  // The command line of Dovecot's MDA delivering into `user`'s INBOX with
  // this server's config (as root it drops to the mail uid itself); "-f
  // sender" is added when `sender` is not empty. Usable while running.
  std::vector<std::string> lda_command(std::string_view user, std::string_view sender = {}) const;
  std::filesystem::path ca_file() const {
    return certificates_ ? certificates_->ca_file : std::filesystem::path();
  }
  std::filesystem::path cert_file() const {  // PEM, the server's own certificate
    return certificates_ ? certificates_->cert_file : std::filesystem::path();
  }
  std::filesystem::path dir() const { return dir_ ? dir_->path() : std::filesystem::path(); }
  std::filesystem::path maildir(std::string_view user) const;

  // Dovecot's log (info, errors, auth_verbose lines). Login lines carry
  // "rport=<client port>"; the readiness probe's port is probe_port().
  std::string log_text() const;
  // Log lines of the connection whose local (client-side) port was `client_port`.
  std::vector<std::string> log_lines_for_client(std::uint16_t client_port) const;
  std::uint16_t probe_port() const { return probe_port_; }
  // Waits (inotify on the log, bounded by `timeout`) until a log line contains
  // `needle` - and "rport=<client_port>," unless client_port is 0 - and
  // returns it. Dovecot logs asynchronously, after the client saw the reply.
  std::optional<std::string> wait_for_log_line(
      std::string_view needle, std::uint16_t client_port = 0,
      std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  // "popfetchd-test-<pid>-<n>": Dovecot's processes show "dovecot-<this>/..." in ps.
  const std::string& instance_name() const { return instance_name_; }

  // How long the last start() took until ready (for reports, never for asserts).
  std::chrono::milliseconds last_start_duration() const { return last_start_duration_; }

  // The dovecot binary found at configure time ("" when none was found).
  static std::string dovecot_program();
  // dovecot-lda, found at configure time ("" when none was found).
  static std::string dovecot_lda_program();
  // The config syntax of that dovecot (from `dovecot --version`, run once).
  static DovecotSyntax config_syntax();
  // How a successful login's log line starts: "Login: " (2.3), "Logged in: " (2.4).
  static std::string login_log_prefix();

 private:
  common::Status ensure_dir();
  common::Status start_once(const Options& options);
  common::Status wait_ready(const Options& options);

  std::optional<TempDir> dir_;
  std::optional<ChildProcess> child_;
  std::optional<CertificateFiles> certificates_;
  std::vector<std::string> users_;
  std::int64_t last_delivery_time_ = 0;
  std::uint64_t delivery_count_ = 0;
  std::uint16_t pop3_port_ = 0;
  std::uint16_t pop3s_port_ = 0;
  std::uint16_t lmtp_port_ = 0;
  std::uint16_t probe_port_ = 0;
  std::string instance_name_;
  uid_t mail_uid_ = 0;
  gid_t mail_gid_ = 0;
  bool keep_dir_ = false;
  std::chrono::milliseconds last_start_duration_{0};
};

}  // namespace test_support
