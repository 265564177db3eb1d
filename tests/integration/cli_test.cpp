// The `popfetchd` command line (DESIGN.md §1) as a user meets it: the real
// binary, its exit statuses and its one-line errors, `check-config` on good
// and broken files, `status` without a daemon and against a one-shot health
// socket. poll-once, probe and the archive commands against Dovecot are in
// cli_dovecot_test.cpp.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "integration/cli_fixture.hpp"
#include "support/files.hpp"

namespace {

namespace fs = std::filesystem;
using integration::Cli;
using integration::describe;
using integration::lines_of;
using integration::run_popfetchd;
using test_support::CapturedRun;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::StartsWith;

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

}  // namespace
