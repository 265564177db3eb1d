// The `popfetchd` command line (DESIGN.md §1) as a user meets it: the real
// binary, its exit statuses and its one-line errors; `poll-once` against a
// real Dovecot; `list`, `search` and `export` on the archive it wrote;
// `status` without a daemon.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <ostream>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "integration/archive_probe.hpp"
#include "integration/mailbox.hpp"
#include "integration/popfetchd_cli.hpp"
#include "integration/server_suite.hpp"
#include "support/files.hpp"
#include "support/temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using integration::ConfigAccount;
using integration::run_popfetchd;
using test_support::CapturedRun;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::StartsWith;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

std::string describe(const CapturedRun& run) {
  return "exit " + std::to_string(run.exit_code()) + "\nstdout:\n" + run.out + "stderr:\n" + run.err;
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = test_support::TempDir::create("popfetchd-cli-");
    ASSERT_TRUE(dir.ok()) << dir.error().message;
    dir_.emplace(std::move(*dir));
  }
  CapturedRun run(const std::vector<std::string>& args) {
    auto result = run_popfetchd(args, dir_->path());
    EXPECT_TRUE(result.ok()) << result.error().message;
    if (result) {
      EXPECT_TRUE(integration::sanitizer_clean(result->err)) << result->err;
    }
    return result ? *result : CapturedRun{};
  }
  std::optional<test_support::TempDir> dir_;
};

TEST_F(Cli, HelpAndVersionExitZeroEverywhere) {
  const CapturedRun help = run({"--help"});
  EXPECT_EQ(help.exit_code(), 0) << describe(help);
  for (const char* command : {"check-config", "poll-once", "status", "list", "export", "search"}) {
    EXPECT_THAT(help.out, HasSubstr(command));
  }
  const CapturedRun version = run({"--version"});
  EXPECT_EQ(version.exit_code(), 0) << describe(version);
  EXPECT_THAT(version.out, MatchesRegex("popfetchd [0-9]+\\.[0-9]+\\.[0-9]+\n"));
  for (const char* command : {"poll-once", "check-config", "export"}) {
    const CapturedRun sub = run({command, "--help"});
    EXPECT_EQ(sub.exit_code(), 0) << command << "\n" << describe(sub);
    EXPECT_THAT(sub.out, HasSubstr("Usage:")) << command;
  }
}

TEST_F(Cli, UnknownCommandExitsTwoWithOneClearLine) {
  const CapturedRun unknown = run({"frobnicate"});
  EXPECT_EQ(unknown.exit_code(), 2) << describe(unknown);
  ASSERT_EQ(lines_of(unknown.err).size(), 1U) << unknown.err;
  EXPECT_THAT(unknown.err, StartsWith("popfetchd: "));
  EXPECT_THAT(unknown.err, HasSubstr("unknown command or argument: frobnicate"));
  EXPECT_EQ(unknown.out, "");

  const CapturedRun option = run({"list", "--no-such-option"});
  EXPECT_EQ(option.exit_code(), 2) << describe(option);
  ASSERT_EQ(lines_of(option.err).size(), 1U) << option.err;
  EXPECT_THAT(option.err, StartsWith("popfetchd: "));
  EXPECT_THAT(option.err, HasSubstr("--no-such-option"));
}

// Issue 16: CLI11's PositiveNumber printed its 300-digit range.
TEST_F(Cli, ALimitBelowOneSaysItMustBeAPositiveInteger) {
  for (const char* command : {"list", "search"}) {
    for (const char* limit : {"0", "-1", "ten", "99999999999999999999"}) {
      std::vector<std::string> args{command, "--limit", limit};
      if (std::string(command) == "search") args.push_back("words");
      const CapturedRun run_ = run(args);
      EXPECT_EQ(run_.exit_code(), 2) << command << " " << limit << "\n" << describe(run_);
      ASSERT_EQ(lines_of(run_.err).size(), 1U) << run_.err;
      EXPECT_THAT(run_.err, StartsWith("popfetchd: --limit must be a positive integer")) << run_.err;
      EXPECT_EQ(run_.out, "");
    }
  }
}

// Issue 16: CLI::RequiredError's one-argument form appended " is required".
TEST_F(Cli, ExportOrImportWithoutATargetSaysWhatItNeeds) {
  const CapturedRun exporter = run({"export"});
  EXPECT_EQ(exporter.exit_code(), 2) << describe(exporter);
  EXPECT_EQ(exporter.err, "popfetchd: export needs --maildir DIR or --mbox FILE (see popfetchd --help)\n");
  const CapturedRun importer = run({"import", "--account", "a"});
  EXPECT_EQ(importer.exit_code(), 2) << describe(importer);
  EXPECT_EQ(importer.err, "popfetchd: import needs --maildir DIR or --mbox FILE (see popfetchd --help)\n");
}

// Issue 16: a subcommand's --help showed neither -c nor what its exit status means.
TEST_F(Cli, EverySubcommandHelpShowsTheGlobalConfigOptionAndItsExitStatuses) {
  for (const char* command : {"run", "check-config", "poll-once", "probe", "status", "deliver", "list", "search", "show",
                              "export", "import", "backup"}) {
    const CapturedRun help = run({command, "--help"});
    EXPECT_EQ(help.exit_code(), 0) << command << "\n" << describe(help);
    EXPECT_THAT(help.out, HasSubstr("-c,--config FILE")) << command;
    EXPECT_THAT(help.out, HasSubstr("Exit status:\n  0  ")) << command;
    EXPECT_THAT(help.out, ContainsRegex("\n  2  [a-z]")) << command;
  }
  const CapturedRun list = run({"list", "--help"});
  EXPECT_THAT(list.out, HasSubstr("(default 50)"));
  const CapturedRun status = run({"status", "--help"});
  EXPECT_THAT(status.out, HasSubstr("3  the daemon did not answer"));
}

// Issue 16: under journald a fatal error is priority 3, so that
// `journalctl -p err` shows why the service failed; a JOURNAL_STREAM that
// does not name stderr (inherited, then redirected) changes nothing.
TEST_F(Cli, AFatalErrorCarriesTheErrPriorityOnlyWhenStderrIsTheJournal) {
  const fs::path config = dir_->path() / "broken.yaml";
  ASSERT_TRUE(test_support::write_file(config, "acounts: []\n", 0600).ok());
  // The shell points JOURNAL_STREAM at its own stderr, which popfetchd inherits.
  const std::vector<std::string> journal = {
      "/bin/sh", "-c", "JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2) exec \"$0\" \"$@\""};
  auto on_journal = run_popfetchd({"check-config", "-c", config.string()}, dir_->path(), {}, journal);
  ASSERT_TRUE(on_journal.ok()) << on_journal.error().message;
  EXPECT_EQ(on_journal->exit_code(), 2) << describe(*on_journal);
  EXPECT_THAT(on_journal->err, StartsWith("<3>popfetchd: " + config.string() + ":1:1: "));

  const CapturedRun elsewhere = run_popfetchd({"check-config", "-c", config.string()}, dir_->path(),
                                              {"JOURNAL_STREAM=1:2"}).value();
  EXPECT_EQ(elsewhere.exit_code(), 2) << describe(elsewhere);
  EXPECT_THAT(elsewhere.err, StartsWith("popfetchd: " + config.string() + ":1:1: "));
}

TEST_F(Cli, CheckConfigAcceptsTheShippedExample) {
  const CapturedRun check = run({"check-config", "-c", POPFETCHD_EXAMPLE_CONFIG});
  EXPECT_EQ(check.exit_code(), 0) << describe(check);
  EXPECT_THAT(check.out, HasSubstr("valid, 3 accounts"));
  for (const char* account : {"account alice", "account work.bob", "account homelab"}) {
    EXPECT_THAT(check.out, HasSubstr(account));
  }
}

// Issue 16: the hooks an account runs are listed with it.
TEST_F(Cli, CheckConfigListsTheHooks) {
  const fs::path config = dir_->path() / "hooks.yaml";
  ASSERT_TRUE(test_support::write_file(config,
                                       "database: " + (dir_->path() / "a.db").string() +
                                           "\ndefaults:\n  on_failure: [/usr/bin/logger, -t, popfetchd]\n"
                                           "accounts:\n  - name: a\n    server: s\n    username: u\n"
                                           "    password: p\n    on_new_mail: [/usr/bin/true]\n",
                                       0600)
                  .ok());
  const CapturedRun check = run({"check-config", "-c", config.string()});
  EXPECT_EQ(check.exit_code(), 0) << describe(check);
  EXPECT_THAT(check.out, HasSubstr("  on_failure:    /usr/bin/logger -t popfetchd\n"));
  EXPECT_THAT(check.out, HasSubstr("  on_new_mail:   /usr/bin/true\n"));
}

TEST_F(Cli, StatusWithoutADaemonExitsThree) {
  const fs::path config = dir_->path() / "status.yaml";
  ASSERT_TRUE(test_support::write_file(config,
                                       "database: " + (dir_->path() / "a.db").string() +
                                           "\nhealth_socket: " + (dir_->path() / "health.sock").string() +
                                           "\naccounts:\n  - name: a\n    server: s\n    username: u\n"
                                           "    password: p\n",
                                       0600)
                  .ok());
  const CapturedRun status = run({"status", "-c", config.string()});
  EXPECT_EQ(status.exit_code(), 3) << describe(status);
  EXPECT_THAT(status.err, StartsWith("popfetchd: "));
  EXPECT_THAT(status.err, HasSubstr("health.sock"));
}

// A one-shot health socket: answers the first request with `body`, as the
// daemon's /health would, on a thread of its own (the CLI runs as a child).
class OneShotHealthSocket {
 public:
  OneShotHealthSocket(const fs::path& path, std::string body) : body_(std::move(body)) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path.c_str());
    ok_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0 &&
          ::listen(fd_, 1) == 0;
    if (ok_) thread_ = std::thread([this] { serve(); });
  }
  ~OneShotHealthSocket() {
    ::shutdown(fd_, SHUT_RDWR);  // wakes accept() if nobody came
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return ok_; }

 private:
  void serve() {
    const int client = ::accept(fd_, nullptr, nullptr);
    if (client < 0) return;
    std::string request;
    char buffer[1024];
    while (request.find("\r\n\r\n") == std::string::npos) {
      const ssize_t got = ::read(client, buffer, sizeof buffer);
      if (got <= 0) break;
      request.append(buffer, static_cast<std::size_t>(got));
    }
    const std::string answer = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                               "Content-Length: " + std::to_string(body_.size()) +
                               "\r\nConnection: close\r\n\r\n" + body_;
    (void)!::write(client, answer.data(), answer.size());
    ::close(client);
  }

  std::string body_;
  int fd_ = -1;
  bool ok_ = false;
  std::thread thread_;
};

// Issue 16: after a rejected reload the file on disk is broken while the
// daemon runs the previous config; `status` used to exit 2 on the file.
TEST_F(Cli, StatusSocketReachesTheDaemonWhateverTheConfig) {
  const fs::path config = dir_->path() / "broken.yaml";
  ASSERT_TRUE(test_support::write_file(config, "acounts: [\n", 0600).ok());
  const fs::path socket = dir_->path() / "h.sock";
  OneShotHealthSocket daemon(
      socket,
      R"({"status":"degraded","version":"9.9.9","uptime_s":60,"accounts":[{"name":"alice","state":"idle",)"
      R"("last_poll_at":0,"last_success_at":0,"last_error":null,"consecutive_failures":0,"messages_stored":3,)"
      R"("next_poll_at":0}],"config_stale":true,"config_error":"broken.yaml:1:1: unknown key 'acounts'",)"
      R"("config_last_reload_at":0})");
  ASSERT_TRUE(daemon.ok());
  const CapturedRun status = run({"status", "-c", config.string(), "--socket", socket.string()});
  EXPECT_EQ(status.exit_code(), 1) << describe(status);  // degraded, and reached
  EXPECT_THAT(status.out, StartsWith("popfetchd 9.9.9, up 1m: degraded\n"
                                     "config: reload rejected: broken.yaml:1:1: unknown key 'acounts'"));
  EXPECT_THAT(status.out, HasSubstr("alice"));
  EXPECT_EQ(status.err, "");  // the config was not read at all
}

TEST_F(Cli, StatusSocketNamesTheSocketItCouldNotReach) {
  const fs::path socket = dir_->path() / "nobody.sock";
  const CapturedRun status =
      run({"status", "-c", (dir_->path() / "missing.yaml").string(), "--socket", socket.string()});
  EXPECT_EQ(status.exit_code(), 3) << describe(status);
  EXPECT_THAT(status.err, HasSubstr("nobody.sock"));
  EXPECT_THAT(status.err, Not(HasSubstr("missing.yaml")));
}

TEST_F(Cli, StatusWithABrokenConfigWarnsAndAsksTheDefaultSocket) {
  const fs::path config = dir_->path() / "broken.yaml";
  ASSERT_TRUE(test_support::write_file(config, "accounts: [\n", 0600).ok());
  const CapturedRun status = run({"status", "-c", config.string()});
  EXPECT_NE(status.exit_code(), 2) << describe(status);  // 3 here: no daemon at the default path
  const std::vector<std::string> lines = lines_of(status.err);
  ASSERT_GE(lines.size(), 1U) << status.err;
  EXPECT_THAT(lines[0], StartsWith("popfetchd: warning: status: the config does not load ("));
  EXPECT_THAT(lines[0], HasSubstr("broken.yaml"));
  EXPECT_THAT(lines[0], HasSubstr("asking the default health socket /run/popfetchd/health.sock"));
}

// ---------------------------------------------------------------------------
// Broken configs: exit 2 and "popfetchd: <file>:<line>:<col>: <message>".

struct BrokenConfig {
  const char* name;
  std::string yaml;
  int line;
  int column;
  const char* message;
};

void PrintTo(const BrokenConfig& broken, std::ostream* out) { *out << broken.name; }

// A valid account on lines 1-5; the cases append from line 6 on.
const std::string kValid = "accounts:\n  - name: a\n    server: s\n    username: u\n    password: p\n";

std::vector<BrokenConfig> broken_configs() {
  return {
      {"UnknownTopLevelKey", "databse: x.db\n" + kValid, 1, 1, "unknown top-level key 'databse'"},
      {"UnknownAccountKey", kValid + "    pol_interval: 5m\n", 6, 5, "did you mean 'poll_interval'?"},
      {"BadSecurity", kValid + "    security: tsl\n", 6, 15,
       "security must be one of: none, tls, tls-if-available, starttls, starttls-if-available"},
      {"NotABoolean", kValid + "    keep: maybe\n", 6, 11, "keep must be true or false"},
      {"PortOutOfRange", kValid + "    port: 70000\n", 6, 11, "port must be an integer in 1..65535"},
      {"BadSize", kValid + "    max_message_size: 5M\n", 6, 23, "max_message_size must be a size"},
      {"PollIntervalTooShort", kValid + "    poll_interval: 5s\n", 6, 20,
       "poll_interval must be at least 10s"},
      {"DuplicateAccount", kValid + "  - name: a\n    server: t\n    username: v\n    password: q\n", 6, 11,
       "duplicate account name 'a'"},
      {"NoPasswordSource", "accounts:\n  - name: a\n    server: s\n    username: u\n", 2, 5,
       "account 'a' has no password source"},
      {"DeleteAfterWithKeepFalse", kValid + "    keep: false\n    delete_after: 30d\n", 7, 19,
       "delete_after has no meaning with keep: false"},
      {"YamlSyntax", "accounts:\n  - name: a\n    server: [unclosed\n", 4, 1, "YAML syntax error"},
      // ".." passed check-config and then failed every poll ("cannot name a lock file").
      {"DotDotAccountName", "accounts:\n  - name: \"..\"\n    server: s\n    username: u\n    password: p\n", 2, 11,
       "account name must be made of letters, digits, '.', '_' and '-' ([A-Za-z0-9._-]+), but not '.' or '..' "
       "(got '..')"},
  };
}

class BrokenConfigs : public Cli, public ::testing::WithParamInterface<BrokenConfig> {};

TEST_P(BrokenConfigs, ExitTwoWithFileLineAndColumn) {
  const BrokenConfig& broken = GetParam();
  const fs::path config = dir_->path() / "broken.yaml";
  ASSERT_TRUE(test_support::write_file(config, broken.yaml, 0600).ok());
  for (const char* command : {"check-config", "poll-once"}) {
    SCOPED_TRACE(command);
    const CapturedRun check = run({command, "-c", config.string()});
    EXPECT_EQ(check.exit_code(), 2) << describe(check);
    const auto lines = lines_of(check.err);
    ASSERT_FALSE(lines.empty()) << describe(check);
    const std::string prefix = "popfetchd: " + config.string() + ":" + std::to_string(broken.line) + ":" +
                               std::to_string(broken.column) + ": ";
    EXPECT_THAT(lines.front(), StartsWith(prefix)) << describe(check);
    EXPECT_THAT(lines.front(), HasSubstr(broken.message));
  }
}

INSTANTIATE_TEST_SUITE_P(Cli, BrokenConfigs, ::testing::ValuesIn(broken_configs()),
                         [](const ::testing::TestParamInfo<BrokenConfig>& info) { return info.param.name; });

// ---------------------------------------------------------------------------
// poll-once against Dovecot, and the archive commands on what it stored.

// A plain message whose subject has a word nothing else has, for `search`.
std::string tagged_message(const std::string& word, int n) {
  return "From: Sender " + std::to_string(n) + " <sender" + std::to_string(n) +
         "@example.org>\r\nTo: someone@example.net\r\nSubject: Report " + word + " number " +
         std::to_string(n) + "\r\nDate: Tue, 1 Sep 2026 10:0" + std::to_string(n % 10) +
         ":00 +0000\r\nMessage-ID: <m" + std::to_string(n) + "." + word +
         "@example.org>\r\n\r\nBody of message " + std::to_string(n) + " about " + word + ".\r\n";
}

class CliAgainstDovecot : public Cli {
 protected:
  static void SetUpTestSuite() { suite_.start({}); }
  static void TearDownTestSuite() { suite_.stop(); }
  void SetUp() override {
    ASSERT_TRUE(suite_.status().ok()) << suite_.status().error().message;
    Cli::SetUp();
  }
  static test_support::DovecotServer& server() { return suite_.server(); }

  // Two users with mail: alice (3 messages, reached with tls and the
  // fixture's CA: certificate checked) and bob (2 messages, clear text).
  void make_users(const std::string& tag) {
    std::vector<std::string> alice_mail;
    for (int n = 1; n <= 3; ++n) alice_mail.push_back(tagged_message("alpha" + tag, n));
    auto alice = integration::create_mailbox(server(), "alice" + tag, "pw-alice", alice_mail);
    ASSERT_TRUE(alice.ok()) << alice.error().message;
    alice_ = *alice;
    auto bob =
        integration::create_mailbox(server(), "bob" + tag, "pw-bob",
                                    {tagged_message("bravo" + tag, 4), tagged_message("bravo" + tag, 5)});
    ASSERT_TRUE(bob.ok()) << bob.error().message;
    bob_ = *bob;
  }
  ConfigAccount alice_account() {
    ConfigAccount account;
    account.name = "alice";
    account.username = alice_.user;
    account.password = alice_.password;
    account.server = "localhost";
    account.security = "tls";
    account.port = server().pop3s_port();
    account.extra = {"ca_file: \"" + server().ca_file().string() + "\""};
    return account;
  }
  ConfigAccount bob_account() {
    ConfigAccount account;
    account.name = "bob";
    account.username = bob_.user;
    account.password = bob_.password;
    account.port = server().pop3_port();
    return account;
  }
  std::string database() const { return (dir_->path() / "archive.db").string(); }
  fs::path write(const std::string& name, const std::vector<ConfigAccount>& accounts) {
    const fs::path config = dir_->path() / name;
    EXPECT_TRUE(integration::write_config(config, database(), accounts).ok());
    return config;
  }

  static integration::ServerSuite suite_;
  integration::Mailbox alice_;
  integration::Mailbox bob_;
};
integration::ServerSuite CliAgainstDovecot::suite_;

// Issue 16: probe reports the TLS session, the certificate and the mailbox,
// and leaves the mailbox alone, even with keep: false.
TEST_F(CliAgainstDovecot, ProbeReportsTlsAndTheMailboxAndTakesNothing) {
  make_users("p");
  ConfigAccount alice = alice_account();
  alice.keep = false;
  ConfigAccount bob = bob_account();
  bob.keep = false;
  const fs::path config = write("probe.yaml", {alice, bob});
  const CapturedRun probe = run({"probe", "-c", config.string()});
  EXPECT_EQ(probe.exit_code(), 0) << describe(probe);
  EXPECT_THAT(probe.out, ContainsRegex("account alice\n  server: +localhost:[0-9]+ "));
  EXPECT_THAT(probe.out, ContainsRegex("\n  tls: +TLSv1\\.[23] TLS"));
  EXPECT_THAT(probe.out, ContainsRegex("\n  fingerprint: +sha256:([0-9A-F]{2}:){31}[0-9A-F]{2}\n"));
  EXPECT_THAT(probe.out, ContainsRegex("\n  expires: +[0-9]{4}-[0-9]{2}-[0-9]{2} "));
  EXPECT_THAT(probe.out, HasSubstr("  mailbox:       3 messages, "));
  EXPECT_THAT(probe.out, HasSubstr("account bob\n"));
  EXPECT_THAT(probe.out, HasSubstr("  tls:           none (clear text)\n"));
  EXPECT_THAT(probe.out, HasSubstr("  mailbox:       2 messages, "));
  EXPECT_THAT(probe.out, ContainsRegex("\n  pipelining: +(yes|no)\n"));
  EXPECT_THAT(probe.out, ContainsRegex("\n  auth: +(AUTH PLAIN|USER/PASS)"));
  EXPECT_THAT(probe.err, Not(HasSubstr("pw-")));
  auto alice_left = integration::server_uidls(server(), alice_);
  ASSERT_TRUE(alice_left.ok()) << alice_left.error().message;
  EXPECT_EQ(alice_left->size(), 3U);
  auto bob_left = integration::server_uidls(server(), bob_);
  ASSERT_TRUE(bob_left.ok()) << bob_left.error().message;
  EXPECT_EQ(bob_left->size(), 2U);
  EXPECT_FALSE(fs::exists(database()));  // nothing was stored either

  // A wrong password: exit 1, the account named on stderr.
  alice.password = "wrong";
  const fs::path wrong = write("wrong.yaml", {alice});
  const CapturedRun failed = run({"probe", "-c", wrong.string(), "alice"});
  EXPECT_EQ(failed.exit_code(), 1) << describe(failed);
  EXPECT_THAT(failed.err, StartsWith("popfetchd: alice: "));
  const CapturedRun unknown = run({"probe", "-c", wrong.string(), "nobody"});
  EXPECT_EQ(unknown.exit_code(), 2) << describe(unknown);
}

TEST_F(CliAgainstDovecot, PollOncePrintsASummaryPerAccountAndExitsZero) {
  make_users("1");
  const fs::path config = write("ok.yaml", {alice_account(), bob_account()});
  const CapturedRun poll = run({"poll-once", "-c", config.string()});
  EXPECT_EQ(poll.exit_code(), 0) << describe(poll);
  const auto lines = lines_of(poll.out);
  ASSERT_EQ(lines.size(), 2U) << describe(poll);
  EXPECT_THAT(lines[0], MatchesRegex("alice: 3 new \\([0-9.]+ (B|KB)\\), 0 deleted in [0-9.]+s"));
  EXPECT_THAT(lines[1], MatchesRegex("bob: 2 new \\([0-9.]+ (B|KB)\\), 0 deleted in [0-9.]+s"));
  EXPECT_THAT(poll.err, Not(HasSubstr("pw-")));  // no password in the log
  EXPECT_TRUE(integration::archive_holds(database(), "alice", alice_, integration::all_of(alice_)));
  EXPECT_TRUE(integration::archive_holds(database(), "bob", bob_, integration::all_of(bob_)));
  EXPECT_TRUE(integration::rows_are_distinct_and_number(database(), 5));

  // Only the named account, and nothing new the second time.
  const CapturedRun again = run({"poll-once", "-c", config.string(), "bob"});
  EXPECT_EQ(again.exit_code(), 0) << describe(again);
  EXPECT_THAT(lines_of(again.out), ::testing::ElementsAre(StartsWith("bob: 0 new")));
  EXPECT_TRUE(integration::rows_are_distinct_and_number(database(), 5));
}

TEST_F(CliAgainstDovecot, PollOnceExitsOneWhenAnAccountFailsAndTwoForAnUnknownAccount) {
  make_users("2");
  ConfigAccount wrong = bob_account();
  wrong.name = "wrongpw";
  wrong.password = "not-bobs-password";
  const fs::path config = write("mixed.yaml", {alice_account(), wrong});
  const CapturedRun poll = run({"poll-once", "-c", config.string()});
  EXPECT_EQ(poll.exit_code(), 1) << describe(poll);
  // The good account's summary on stdout, the failed one's as an error line on stderr.
  EXPECT_THAT(lines_of(poll.out), ::testing::ElementsAre(StartsWith("alice: 3 new")));
  EXPECT_THAT(poll.err, HasSubstr("popfetchd: wrongpw: failed (auth): authentication failed"));
  EXPECT_THAT(poll.out + poll.err, Not(HasSubstr("not-bobs-password")));
  // The good account was not held back by the bad one.
  EXPECT_TRUE(integration::archive_holds(database(), "alice", alice_, integration::all_of(alice_)));
  EXPECT_TRUE(integration::rows_are_distinct_and_number(database(), 3));

  const CapturedRun unknown = run({"poll-once", "-c", config.string(), "nosuch"});
  EXPECT_EQ(unknown.exit_code(), 2) << describe(unknown);
  EXPECT_EQ(unknown.err, "popfetchd: poll-once: no account named 'nosuch' in " + config.string() + "\n");
  EXPECT_EQ(unknown.out, "");
}

TEST_F(CliAgainstDovecot, ListSearchAndExportShowWhatPollOnceStored) {
  make_users("3");
  const fs::path config = write("archive.yaml", {alice_account(), bob_account()});
  const CapturedRun poll = run({"poll-once", "-c", config.string()});
  ASSERT_EQ(poll.exit_code(), 0) << describe(poll);

  const CapturedRun list = run({"list", "-c", config.string()});
  EXPECT_EQ(list.exit_code(), 0) << describe(list);
  auto rows = lines_of(list.out);
  ASSERT_EQ(rows.size(), 6U) << list.out;  // a header and 5 messages
  EXPECT_THAT(rows[0], ContainsRegex("^ID +ACCOUNT +DATE \\(UTC\\) +FROM +SUBJECT +SIZE"));
  for (int n = 1; n <= 5; ++n) EXPECT_THAT(list.out, HasSubstr(" number " + std::to_string(n))) << list.out;

  const CapturedRun limited = run({"list", "-c", config.string(), "--account", "alice", "--limit", "2"});
  EXPECT_EQ(limited.exit_code(), 0) << describe(limited);
  rows = lines_of(limited.out);
  ASSERT_EQ(rows.size(), 3U) << limited.out;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    EXPECT_THAT(rows[i], HasSubstr(" alice ")) << rows[i];
    EXPECT_THAT(rows[i], HasSubstr("alpha3")) << rows[i];
  }

  const CapturedRun search = run({"search", "-c", config.string(), "bravo3"});
  EXPECT_EQ(search.exit_code(), 0) << describe(search);
  rows = lines_of(search.out);
  ASSERT_EQ(rows.size(), 4U) << search.out;  // header + bob's two + the total
  EXPECT_EQ(rows.back(), "2 of 2 matches");
  EXPECT_THAT(search.out, HasSubstr("number 4"));
  EXPECT_THAT(search.out, HasSubstr("number 5"));
  EXPECT_THAT(search.out, Not(HasSubstr("alpha3")));
  const CapturedRun phrase = run({"search", "-c", config.string(), "sender2@example.org"});
  EXPECT_EQ(phrase.exit_code(), 0) << describe(phrase);
  EXPECT_EQ(lines_of(phrase.out).size(), 3U) << phrase.out;  // header, one message, "1 of 1 match"
  EXPECT_EQ(lines_of(phrase.out).back(), "1 of 1 match");

  // Maildir: one file per message in new/, the archived bytes with LF line ends.
  const fs::path maildir = dir_->path() / "export-maildir";
  const CapturedRun to_maildir = run({"export", "-c", config.string(), "--maildir", maildir.string()});
  EXPECT_EQ(to_maildir.exit_code(), 0) << describe(to_maildir);
  EXPECT_THAT(to_maildir.out, HasSubstr("exported 5 messages"));
  std::set<std::string> exported;
  for (const auto& entry : fs::directory_iterator(maildir / "new")) {
    exported.insert(test_support::read_file(entry.path()));
  }
  std::set<std::string> expected;
  for (const auto* mailbox : {&alice_, &bob_}) {
    for (const auto& message : mailbox->delivered) {
      expected.insert(std::regex_replace(message.expected_pop3, std::regex("\r\n"), "\n"));
    }
  }
  EXPECT_EQ(exported, expected);
  // Idempotent: a second run writes nothing and says so.
  const CapturedRun again = run({"export", "-c", config.string(), "--maildir", maildir.string()});
  EXPECT_EQ(again.exit_code(), 0) << describe(again);
  EXPECT_THAT(again.out, HasSubstr("exported 0 messages"));
  EXPECT_THAT(again.out, HasSubstr("; 5 already there"));
  EXPECT_EQ(std::distance(fs::directory_iterator(maildir / "new"), fs::directory_iterator{}), 5);

  // mbox of one account: one "From " line per message.
  const fs::path mbox = dir_->path() / "bob.mbox";
  const CapturedRun to_mbox =
      run({"export", "-c", config.string(), "--mbox", mbox.string(), "--account", "bob"});
  EXPECT_EQ(to_mbox.exit_code(), 0) << describe(to_mbox);
  const std::string text = test_support::read_file(mbox);
  std::size_t separators = 0;
  for (const auto& line : lines_of(text)) separators += line.rfind("From ", 0) == 0 ? 1 : 0;
  EXPECT_EQ(separators, 2U) << text;
  EXPECT_THAT(text, HasSubstr("Subject: Report bravo3 number 4\n"));
  EXPECT_THAT(text, Not(HasSubstr("alpha3")));
}

}  // namespace
