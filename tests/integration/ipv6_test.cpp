// IPv6 against the real Dovecot: an account with `server: "::1"` or
// `"[::1]"` fetches byte-exact over ::1 in TLS (the certificate checked
// against its IP address), STARTTLS and clear text, and Dovecot sees the
// login from ::1. A host name with several addresses whose first one refuses
// is reached through the next one: the real popfetchd runs `poll-once` with
// nss_wrapper's hosts file (libnss-wrapper) standing in for /etc/hosts, so
// the name's addresses and their order are the test's, not the machine's.
//
// Dovecot listens on ::1 besides 127.0.0.1 through an extra `listen` line
// (the later setting wins); the fixture itself is unchanged. Every test skips
// when the machine has no IPv6 loopback.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "integration/mailbox.hpp"
#include "integration/poll_harness.hpp"
#include "integration/popfetchd_cli.hpp"
#include "integration/server_suite.hpp"
#include "support/files.hpp"

namespace {

using integration::dump;

using config::AuthMethod;
using config::Security;
using ::testing::HasSubstr;

// libnss-wrapper's preload library, found at configure time ("" when none was found).
#ifndef POPFETCHD_TEST_NSS_WRAPPER
#define POPFETCHD_TEST_NSS_WRAPPER ""
#endif
constexpr const char* kNssWrapper = POPFETCHD_TEST_NSS_WRAPPER;

using integration::ipv6_loopback;

class OverIpv6 : public integration::DovecotSuite<OverIpv6> {
 public:
  static std::string skip_reason() {
    return ipv6_loopback() ? "" : "no IPv6 loopback on this machine (cannot bind ::1)";
  }
  static test_support::DovecotOptions options() {
    test_support::DovecotOptions options;
    integration::listen_on_both_loopbacks(options);
    return options;
  }

 protected:
  static std::uint16_t port_for(Security security) {
    return security == Security::Tls ? server().pop3s_port() : server().pop3_port();
  }
};

TEST_F(OverIpv6, FetchesByteExactFromAnIpv6LiteralWithOrWithoutBrackets) {
  std::uint64_t seed = 40;
  for (const char* host : {"::1", "[::1]"}) {  // users write it both ways in YAML
    for (Security security : {Security::Tls, Security::StartTls, Security::None}) {
      const std::string user = std::string(host[0] == '[' ? "v6b-" : "v6-") + std::string(config::to_string(security));
      SCOPED_TRACE(user);
      const integration::Mailbox box = suite_.mailbox(user, seed++);
      config::Account account = integration::make_account(user, host, port_for(security), security,
                                                           AuthMethod::Plain);
      account.ca_file = server().ca_file().string();
      const std::string db = suite_.database(user);
      auto outcome = integration::run_poll(account, box.password, db);
      ASSERT_TRUE(outcome.ok()) << outcome.error().message;
      ASSERT_TRUE(outcome->report.ok()) << outcome->report.error->message << dump(outcome->log);
      EXPECT_EQ(outcome->report.new_messages, box.delivered.size());
      EXPECT_TRUE(integration::archive_holds(db, user, box, integration::all_of(box)));
      EXPECT_TRUE(outcome->logged("connected to [::1]:" + std::to_string(port_for(security))))
          << dump(outcome->log);
      // Dovecot's side: the login came from ::1, not from 127.0.0.1.
      auto login = server().wait_for_log_line(test_support::DovecotServer::login_log_prefix() + "user=<" + user + ">");
      ASSERT_TRUE(login) << server().log_text();
      EXPECT_THAT(*login, HasSubstr("rip=::1,"));
    }
  }
}

// Runs the real `popfetchd poll-once` for one account whose server is a
// name that nss_wrapper resolves from `hosts` (the lines of a hosts file).
class ThroughAHostsFile : public OverIpv6 {
 protected:
  void SetUp() override {
    OverIpv6::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    if (std::string_view(kNssWrapper).empty() || !std::filesystem::exists(kNssWrapper)) {
      GTEST_SKIP() << "libnss-wrapper is not installed (scripts/install-deps --test should bring it)";
    }
  }

  // The test's own ASAN_OPTIONS (with a ':' after them), kept for popfetchd.
  static std::string asan_options() {
    const char* own = std::getenv("ASAN_OPTIONS");
    return own == nullptr || *own == '\0' ? std::string() : std::string(own) + ":";
  }

  static std::vector<std::string> environment(const std::filesystem::path& hosts) {
    return {"LD_PRELOAD=" + std::string(kNssWrapper), "NSS_WRAPPER_HOSTS=" + hosts.string(),
            // ASan wants to be the first library; nss_wrapper, preloaded, is.
            "ASAN_OPTIONS=" + asan_options() + "verify_asan_link_order=0"};
  }

  static std::filesystem::path write_hosts(const std::string& name, const std::vector<std::string>& lines) {
    const auto path = suite_.work_dir() / (name + ".hosts");
    std::string text;
    for (const auto& line : lines) text += line + "\n";
    EXPECT_TRUE(test_support::write_file(path, text, 0644).ok());
    return path;
  }

  // getaddrinfo's answer for `host` under nss_wrapper, as `getent ahosts` prints it.
  static std::vector<std::string> resolved(const std::string& host, const std::filesystem::path& hosts) {
    std::vector<std::string> addresses;
    auto run = test_support::ChildProcess::run_captured({"/usr/bin/getent", "ahosts", host}, suite_.work_dir(),
                                                        environment(hosts));
    if (!run) return addresses;
    std::size_t at = 0;
    while (at < run->out.size()) {
      const std::size_t end = run->out.find('\n', at);
      const std::string line = run->out.substr(at, end == std::string::npos ? std::string::npos : end - at);
      if (line.find("STREAM") != std::string::npos) addresses.push_back(line.substr(0, line.find(' ')));
      if (end == std::string::npos) break;
      at = end + 1;
    }
    return addresses;
  }

  struct Run {
    int exit_code = -1;
    std::string err;
  };
  static Run poll_once(const std::string& user, const std::string& password, const std::string& host,
                       const std::filesystem::path& hosts) {
    integration::ConfigAccount account;
    account.name = user;
    account.server = host;
    account.port = server().pop3s_port();
    account.security = "tls";
    account.password = password;
    account.extra = {"ca_file: " + server().ca_file().string()};
    const auto config = suite_.work_dir() / (user + ".yaml");
    EXPECT_TRUE(integration::write_config(config, suite_.database(user), {account}, "debug").ok());
    auto run = integration::run_popfetchd({"poll-once", "-c", config.string()}, suite_.work_dir(),
                                          environment(hosts));
    EXPECT_TRUE(run.ok()) << run.error().message;
    if (!run.ok()) return {};
    EXPECT_TRUE(integration::sanitizer_clean(run->err)) << run->err;
    return {run->exit_code(), run->err};
  }
};

// 127.0.0.2 is loopback too, but nothing listens there: connecting to it is
// refused at once. The name's first address refuses; the next one, ::1, is
// where the mail is. The certificate names "localhost", so the name is a
// hosts-file alias of localhost.
TEST_F(ThroughAHostsFile, AFirstAddressThatRefusesIsSkippedForTheNext) {
  const auto hosts = write_hosts("refused-first", {"127.0.0.2 localhost", "::1 localhost"});
  ASSERT_EQ(resolved("localhost", hosts), (std::vector<std::string>{"127.0.0.2", "::1"}))
      << "nss_wrapper did not give the hosts file's addresses in its order";

  const std::string user = "v6-fallback";
  const integration::Mailbox box = suite_.mailbox(user, 60);
  const Run run = poll_once(user, box.password, "localhost", hosts);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.err, HasSubstr("connected to [::1]:" + std::to_string(server().pop3s_port())));
  EXPECT_TRUE(integration::archive_holds(suite_.database(user), user, box, integration::all_of(box)));
  auto login = server().wait_for_log_line(test_support::DovecotServer::login_log_prefix() + "user=<" + user + ">");
  ASSERT_TRUE(login) << server().log_text();
  EXPECT_THAT(*login, HasSubstr("rip=::1,"));
}

// The other way round, and the proof that the first address really refuses:
// alone, it fails in words naming it; ahead of 127.0.0.1, it is skipped.
TEST_F(ThroughAHostsFile, AnIpv4AddressIsTriedAfterAnIpv6OneThatRefuses) {
  const std::string user = "v4-fallback";
  const integration::Mailbox box = suite_.mailbox(user, 61);
  const std::string port = std::to_string(server().pop3s_port());

  const auto alone = write_hosts("refused-alone", {"127.0.0.2 localhost"});
  const Run refused = poll_once(user, box.password, "localhost", alone);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.err, HasSubstr("127.0.0.2:" + port));
  EXPECT_THAT(refused.err, HasSubstr("refused"));

  // ::ffff:127.0.0.2 is an IPv6 address (IPv4-mapped) that refuses like 127.0.0.2.
  const auto hosts = write_hosts("v6-refused-first", {"::ffff:127.0.0.2 localhost", "127.0.0.1 localhost"});
  ASSERT_EQ(resolved("localhost", hosts), (std::vector<std::string>{"::ffff:127.0.0.2", "127.0.0.1"}));
  const Run run = poll_once(user, box.password, "localhost", hosts);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.err, HasSubstr("connected to 127.0.0.1:" + port));
  EXPECT_TRUE(integration::archive_holds(suite_.database(user), user, box, integration::all_of(box)));
}

}  // namespace
