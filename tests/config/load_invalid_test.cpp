// Invalid configs: each problem is reported with its exact line and column and
// a message saying what was expected; all problems of a file come at once.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/config.hpp"
#include "support/temp_dir.hpp"

namespace {

// A valid account on lines 1-5; tests append line 6 onwards.
//   accounts:
//     - name: a           name at 2:5, its value at 2:11
//       server: s
//       username: u
//       password: p
const std::string kValid = "accounts:\n  - name: a\n    server: s\n    username: u\n    password: p\n";

std::string with(const std::string& extra_lines) { return kValid + extra_lines; }

std::string dump(const std::vector<config::Diagnostic>& errors) {
  std::string text;
  for (const auto& error : errors) text += "\n  " + error.to_string();
  return text;
}

std::vector<config::Diagnostic> errors_of(const std::string& yaml) {
  const auto result = config::load_string(yaml, "t.yaml");
  EXPECT_FALSE(result.ok());
  EXPECT_FALSE(result.config.has_value());
  return result.errors;
}

// Exactly one error, at line:column, whose message contains every `part`.
::testing::AssertionResult one_error(const std::string& yaml, int line, int column,
                                     const std::vector<std::string>& parts) {
  const auto errors = errors_of(yaml);
  if (errors.size() != 1) return ::testing::AssertionFailure() << errors.size() << " errors:" << dump(errors);
  const auto& error = errors[0];
  if (error.location.file != "t.yaml" || error.location.line != line || error.location.column != column) {
    return ::testing::AssertionFailure()
           << "expected at t.yaml:" << line << ":" << column << ", got" << dump(errors);
  }
  for (const auto& part : parts) {
    if (error.message.find(part) == std::string::npos) {
      return ::testing::AssertionFailure() << "message lacks \"" << part << "\":" << dump(errors);
    }
  }
  return ::testing::AssertionSuccess();
}

TEST(LoadInvalid, TheBaseIsValid) { EXPECT_TRUE(config::load_string(kValid, "t.yaml").ok()); }

TEST(LoadInvalid, UnknownTopLevelKeySuggestsTheClosest) {
  EXPECT_TRUE(one_error("databse: x.db\n" + kValid, 1, 1,
                        {"unknown top-level key 'databse'", "did you mean 'database'?"}));
  EXPECT_TRUE(
      one_error(kValid + "frobnicate: 1\n", 6, 1, {"'frobnicate'", "valid keys: database, health_socket"}));
  EXPECT_TRUE(one_error(kValid + "server: s\n", 6, 1, {"'server' is an account setting", "defaults"}));
}

TEST(LoadInvalid, UnknownAccountKeySuggestsTheClosest) {
  EXPECT_TRUE(one_error(with("    pol_interval: 5m\n"), 6, 5,
                        {"unknown account key 'pol_interval'", "did you mean 'poll_interval'?"}));
  EXPECT_TRUE(one_error(with("    poll-interval: 5m\n"), 6, 5, {"did you mean 'poll_interval'?"}));
  EXPECT_TRUE(one_error(with("    Timeout: 5m\n"), 6, 5, {"did you mean 'timeout'?"}));
  EXPECT_TRUE(one_error(with("    host: x\n"), 6, 5, {"did you mean 'server'?"}));
  EXPECT_TRUE(one_error(with("    colour: blue\n"), 6, 5, {"'colour'", "valid keys: name, email, server"}));
  EXPECT_TRUE(one_error(with("    database: x\n"), 6, 5, {"'database' is a top-level setting"}));
}

TEST(LoadInvalid, UnknownDefaultsKey) {
  EXPECT_TRUE(one_error("defaults:\n  keap: true\n" + kValid, 2, 3,
                        {"unknown account key 'keap'", "did you mean 'keep'?"}));
}

TEST(LoadInvalid, NameIsNotAllowedInDefaults) {
  EXPECT_TRUE(one_error("defaults:\n  name: x\n" + kValid, 2, 3, {"name cannot be set in 'defaults:'"}));
}

TEST(LoadInvalid, WrongTypes) {
  EXPECT_TRUE(one_error(with("    ca_file: [a, b]\n"), 6, 14, {"ca_file must be a file path, not a list"}));
  EXPECT_TRUE(one_error(with("    keep: maybe\n"), 6, 11, {"keep must be true or false (got 'maybe')"}));
  EXPECT_TRUE(one_error(with("    keep: yes\n"), 6, 11, {"keep must be true or false"}));
  EXPECT_TRUE(one_error(with("    timeout: {a: 1}\n"), 6, 14, {"timeout must be a duration", "not a map"}));
  EXPECT_TRUE(one_error(with("    port:\n"), 6, 5, {"port needs a value: an integer in 1..65535"}));
  EXPECT_TRUE(one_error("database: [x]\n" + kValid, 1, 11, {"database must be", "not a list"}));
  EXPECT_TRUE(one_error("defaults: [x]\n" + kValid, 1, 11, {"defaults must be a map"}));
  EXPECT_TRUE(one_error("accounts: {name: a}\n", 1, 11, {"accounts must be a list"}));
  EXPECT_TRUE(one_error("accounts:\n  - just-a-string\n", 2, 5, {"each account must be a map"}));
  EXPECT_TRUE(one_error("- a\n- b\n", 1, 1, {"the config must be a map"}));
}

TEST(LoadInvalid, BadEnumValuesListTheValidOnes) {
  EXPECT_TRUE(
      one_error(with("    security: tsl\n"), 6, 15,
                {"security must be one of: none, tls, tls-if-available, starttls, starttls-if-available",
                 "(got 'tsl')"}));
  EXPECT_TRUE(one_error(with("    auth: scram\n"), 6, 11,
                        {"auth must be one of: plain, cram-md5, login, scram-sha-1, scram-sha-256, xoauth2, "
                         "oauthbearer, auto"}));
  EXPECT_TRUE(one_error(with("    pipelining: yes\n"), 6, 17, {"pipelining must be one of: auto, on, off"}));
  EXPECT_TRUE(one_error("log_level: verbose\n" + kValid, 1, 12,
                        {"log_level must be one of: error, warn, info, debug"}));
}

TEST(LoadInvalid, AccountName) {
  EXPECT_TRUE(one_error("accounts:\n  - server: s\n    username: u\n    password: p\n", 2, 5,
                        {"account has no name"}));
  EXPECT_TRUE(one_error("accounts:\n  - name: \"a b\"\n    server: s\n    username: u\n    password: p\n", 2,
                        11, {"[A-Za-z0-9._-]+", "(got 'a b')"}));
  EXPECT_TRUE(one_error("accounts:\n  - name: \"\"\n    server: s\n    username: u\n    password: p\n", 2, 11,
                        {"[A-Za-z0-9._-]+"}));
  EXPECT_TRUE(one_error("accounts:\n  - name: a/b\n    server: s\n    username: u\n    password: p\n", 2, 11,
                        {"(got 'a/b')"}));
  // "." and ".." are made of allowed characters, but name no lock file (issue: check-config passed them).
  EXPECT_TRUE(one_error("accounts:\n  - name: \"..\"\n    server: s\n    username: u\n    password: p\n", 2,
                        11, {"not '.' or '..'", "(got '..')"}));
  EXPECT_TRUE(one_error("accounts:\n  - name: .\n    server: s\n    username: u\n    password: p\n", 2, 11,
                        {"(got '.')"}));
}

TEST(AccountNameRule, AllowsTheCharacterSetButNotDotOrDotDot) {
  EXPECT_TRUE(config::valid_account_name("alice"));
  EXPECT_TRUE(config::valid_account_name("a.b_c-D9"));
  EXPECT_TRUE(config::valid_account_name("..."));
  EXPECT_TRUE(config::valid_account_name(".hidden"));
  EXPECT_FALSE(config::valid_account_name(""));
  EXPECT_FALSE(config::valid_account_name("."));
  EXPECT_FALSE(config::valid_account_name(".."));
  EXPECT_FALSE(config::valid_account_name("a/b"));
  EXPECT_FALSE(config::valid_account_name("a b"));
  EXPECT_FALSE(config::valid_account_name("caf\xc3\xa9"));
}

TEST(LoadInvalid, DuplicateAccountNamePointsAtTheSecond) {
  EXPECT_TRUE(one_error(kValid + "  - name: a\n    server: t\n    username: v\n    password: q\n", 6, 11,
                        {"duplicate account name 'a'", "first defined at line 2"}));
}

TEST(LoadInvalid, DuplicateKeyInAMap) {
  EXPECT_TRUE(one_error(with("    server: t\n"), 6, 5, {"duplicate key 'server'", "first given at line 3"}));
}

TEST(LoadInvalid, Server) {
  EXPECT_TRUE(one_error("accounts:\n  - name: a\n    username: u\n    password: p\n", 2, 5,
                        {"account 'a' has no server"}));
  EXPECT_TRUE(one_error("accounts:\n  - name: a\n    server: \"\"\n    username: u\n    password: p\n", 3, 13,
                        {"server must not be empty"}));
  EXPECT_TRUE(
      one_error("accounts:\n  - name: a\n    server: pop.example.com:995\n    username: u\n    password: p\n",
                3, 13, {"server must not include a port", "use port: 995"}));
  EXPECT_TRUE(one_error("accounts:\n  - name: a\n    server: \"[::1]\"\n    username: u\n    password: p\n",
                        3, 13, {"without brackets"}));
  EXPECT_TRUE(
      one_error("accounts:\n  - name: a\n    server: \"pop example\"\n    username: u\n    password: p\n", 3,
                13, {"server must be a host name"}));
}

TEST(LoadInvalid, Port) {
  for (const char* port : {"0", "65536", "-1", "abc", "99.5", "+995", "0x3e3", "99999999999999999999"}) {
    EXPECT_TRUE(one_error(with(std::string("    port: ") + port + "\n"), 6, 11,
                          {"port must be an integer in 1..65535", std::string("(got '") + port + "')"}))
        << port;
  }
}

TEST(LoadInvalid, UsernameMissingWithoutEmail) {
  EXPECT_TRUE(one_error("accounts:\n  - name: a\n    server: s\n    password: p\n", 2, 5,
                        {"account 'a' has no username and no email to derive it from"}));
  EXPECT_TRUE(one_error("accounts:\n  - name: a\n    server: s\n    email: \"\"\n    password: p\n", 2, 5,
                        {"no username and no email"}));
  EXPECT_TRUE(one_error("accounts:\n  - name: a\n    server: s\n    username: \"\"\n    password: p\n", 4, 15,
                        {"username must not be empty"}));
}

TEST(LoadInvalid, EmailWithoutAt) {
  // A bad email is one error: no second "no username" error for the same mistake.
  EXPECT_TRUE(
      one_error("accounts:\n  - name: a\n    server: s\n    email: alice.example.com\n    password: p\n", 4,
                12, {"email must be an address like alice@example.com", "(got 'alice.example.com')"}));
  EXPECT_TRUE(one_error(with("    email: \"@example.com\"\n"), 6, 12, {"email must be an address"}));
  EXPECT_TRUE(one_error(with("    email: alice@\n"), 6, 12, {"email must be an address"}));
}

TEST(LoadInvalid, PasswordSourceMissingOrMoreThanOne) {
  EXPECT_TRUE(one_error("accounts:\n  - name: a\n    server: s\n    username: u\n", 2, 5,
                        {"account 'a' has no password source",
                         "exactly one of password, password_file, password_command, password_env"}));
  EXPECT_TRUE(one_error(with("    password_env: X\n"), 6, 5,
                        {"more than one password source: password (line 5) and password_env"}));
  EXPECT_TRUE(one_error("defaults:\n  password_file: f\n  password_command: c\n" + kValid, 3, 3,
                        {"more than one password source"}));
}

TEST(LoadInvalid, PasswordValuesAreNeverEchoed) {
  const std::string secret = "Sup3rSecret";
  for (const std::string& line : {"    password: [" + secret + "]\n", "    password_env: $" + secret + "\n",
                                  "    password_env: \"" + secret + " x\"\n"}) {
    const std::string yaml = "accounts:\n  - name: a\n    server: s\n    username: u\n" + line;
    const auto errors = errors_of(yaml);
    ASSERT_EQ(errors.size(), 1u) << dump(errors);
    EXPECT_EQ(errors[0].location.line, 5);
    EXPECT_EQ(errors[0].message.find(secret), std::string::npos) << errors[0].message;
  }
}

TEST(LoadInvalid, EmptyPasswordValues) {
  const std::string head = "accounts:\n  - name: a\n    server: s\n    username: u\n";
  EXPECT_TRUE(one_error(head + "    password: \"\"\n", 5, 15, {"password must not be empty"}));
  EXPECT_TRUE(one_error(head + "    password_file: \"\"\n", 5, 20, {"password_file must not be empty"}));
  EXPECT_TRUE(one_error(head + "    password_command:\n", 5, 5, {"password_command needs a value"}));
  EXPECT_TRUE(one_error(head + "    password_file: ~bob/pw\n", 5, 20, {"only '~/' at the start is expanded"}));
  EXPECT_TRUE(one_error(head + "    password_env: $POP\n", 5, 19, {"without '$'"}));
}

TEST(LoadInvalid, BadDurationsAndSizes) {
  EXPECT_TRUE(
      one_error(with("    poll_interval: 1.5h\n"), 6, 20,
                {"poll_interval must be a duration like 30s, 5m, 2h, 30d or plain seconds", "(got '1.5h')"}));
  EXPECT_TRUE(one_error(with("    timeout: -5s\n"), 6, 14, {"timeout must be a duration"}));
  EXPECT_TRUE(one_error(with("    delete_after: 5 days\n"), 6, 19, {"delete_after must be a duration"}));
  EXPECT_TRUE(one_error(with("    delete_after: 99999999d\n"), 6, 19, {"at most 36500d"}));
  EXPECT_TRUE(one_error(with("    max_message_size: 5M\n"), 6, 23,
                        {"max_message_size must be a size", "KB, MB, GB", "KiB, MiB, GiB", "(got '5M')"}));
  EXPECT_TRUE(one_error(with("    max_message_size: 0\n"), 6, 23, {"max_message_size must be more than 0"}));
}

TEST(LoadInvalid, PollIntervalBelowTenSeconds) {
  EXPECT_TRUE(
      one_error(with("    poll_interval: 5s\n"), 6, 20, {"poll_interval must be at least 10s", "hammer"}));
  EXPECT_TRUE(one_error(with("    poll_interval: 0\n"), 6, 20, {"at least 10s"}));
  EXPECT_TRUE(config::load_string(with("    poll_interval: 10s\n"), "t.yaml").ok());
}

TEST(LoadInvalid, TimeoutZero) {
  EXPECT_TRUE(one_error(with("    timeout: 0s\n"), 6, 14, {"timeout must be more than 0s"}));
}

TEST(LoadInvalid, DeleteAfterWithKeepFalse) {
  EXPECT_TRUE(one_error(with("    keep: false\n    delete_after: 30d\n"), 7, 19,
                        {"delete_after has no meaning with keep: false (line 6)"}));
  // keep: false from defaults, delete_after in the account: at the account's key.
  EXPECT_TRUE(one_error("defaults:\n  keep: false\n" + with("    delete_after: 30d\n"), 8, 19,
                        {"account 'a'", "keep: false (line 2)"}));
  // delete_after from defaults, keep: false in the account: at the account's keep.
  EXPECT_TRUE(one_error("defaults:\n  delete_after: 30d\n" + with("    keep: false\n"), 8, 11,
                        {"keep: false makes delete_after (line 2) meaningless"}));
  // Both in defaults: once, not once per account.
  EXPECT_TRUE(one_error("defaults:\n  keep: false\n  delete_after: 1d\n" + kValid +
                            "  - {name: b, server: s, username: u, password: p}\n",
                        3, 17, {"delete_after has no meaning with keep: false (line 2)"}));
  // An account that sets keep: true again is fine.
  EXPECT_TRUE(config::load_string(
                  "defaults:\n  keep: false\n" + with("    keep: true\n    delete_after: 1d\n"), "t.yaml")
                  .ok());
}

TEST(LoadInvalid, TopLevelValues) {
  EXPECT_TRUE(one_error("max_concurrent_polls: 0\n" + kValid, 1, 23,
                        {"max_concurrent_polls must be a positive integer"}));
  EXPECT_TRUE(one_error("max_concurrent_polls: -3\n" + kValid, 1, 23, {"positive integer"}));
  EXPECT_TRUE(one_error("max_polls_per_server: -1\n" + kValid, 1, 23,
                        {"max_polls_per_server must be an integer from 0 (no cap per server) to 100000",
                         "(got '-1')"}));
  EXPECT_TRUE(one_error("max_polls_per_server: two\n" + kValid, 1, 23, {"max_polls_per_server must be"}));
  EXPECT_TRUE(one_error("max_polls_per_server: 1.5\n" + kValid, 1, 23, {"max_polls_per_server must be"}));
  EXPECT_TRUE(one_error("max_polls_per_server: 100001\n" + kValid, 1, 23, {"to 100000"}));
  EXPECT_TRUE(one_error("max_polls_per_server: [2]\n" + kValid, 1, 23, {"max_polls_per_server"}));
  EXPECT_TRUE(config::load_string("max_polls_per_server: 100000\n" + kValid, "t.yaml").ok());
  EXPECT_TRUE(one_error("database: \"\"\n" + kValid, 1, 11, {"database must not be empty"}));
  EXPECT_TRUE(one_error("health_socket: /" + std::string(120, 'x') + "\n" + kValid, 1, 16,
                        {"a Unix socket path can have at most 107"}));
}

TEST(LoadInvalid, AccountsMissingOrEmpty) {
  EXPECT_TRUE(one_error("database: x.db\n", 1, 1, {"no 'accounts:'", "at least one account"}));
  EXPECT_TRUE(one_error("database: x.db\naccounts: []\n", 2, 11, {"accounts is empty"}));
  EXPECT_TRUE(one_error("database: x.db\naccounts:\n", 2, 1, {"accounts is empty"}));
  EXPECT_TRUE(one_error("", 1, 1, {"the config is empty"}));
  EXPECT_TRUE(one_error("# only a comment\n", 1, 1, {"the config is empty"}));
}

TEST(LoadInvalid, YamlSyntaxErrorIsOneDiagnosticAtTheParserPosition) {
  EXPECT_TRUE(one_error("accounts:\n  - name: a\n   server: s\n", 3, 4, {"YAML syntax error"}));
  EXPECT_TRUE(one_error("database: x\n\tlog_level: info\n", 2, 1, {"YAML syntax error"}));
  EXPECT_TRUE(one_error("accounts: [\n", 2, 1, {"YAML syntax error"}));
}

TEST(LoadInvalid, YamlSyntaxErrorTextIsOnePrintableLine) {
  // Found by tests/fuzz (fuzz_config): yaml-cpp quotes the offending byte of
  // an unknown escape raw, so a line break or escape sequence in the file
  // ended up in the one-line diagnostic.
  for (const std::string& yaml : {std::string("\xff\x00\n", 3), std::string("database: \"a\\\x1b[2J\"\n")}) {
    const auto errors = errors_of(yaml);
    ASSERT_EQ(errors.size(), 1u) << dump(errors);
    EXPECT_NE(errors[0].message.find("YAML syntax error: "), std::string::npos) << dump(errors);
    for (unsigned char c : errors[0].to_string()) EXPECT_TRUE(c >= 0x20 && c < 0x7f) << dump(errors);
  }
}

TEST(LoadInvalid, StrayFlowIndicatorIsASyntaxErrorNotAHang) {
  // Found by tests/fuzz (fuzz_config): yaml-cpp 0.7's LoadAll() loops forever,
  // allocating, on a file holding just "," (its parser stops consuming input).
  EXPECT_TRUE(one_error(",", 1, 1, {"YAML syntax error: unexpected ','"}));
  EXPECT_TRUE(one_error("\n\n  ,\n", 3, 3, {"YAML syntax error: unexpected ','"}));
  EXPECT_TRUE(one_error(kValid + "---\n,\n", 7, 1, {"single YAML document"}));
}

TEST(LoadInvalid, MoreThanOneDocument) {
  EXPECT_TRUE(one_error(kValid + "---\ndatabase: x\n", 7, 1, {"single YAML document"}));
}

TEST(LoadInvalid, EveryErrorInTheFileIsReported) {
  const std::string yaml = R"(databse: x.db
log_level: loud
defaults:
  poll_interval: 1s
accounts:
  - name: a
    server: s
    username: u
    password: p
    security: tsl
  - name: a
    server: ""
    email: nobody
    keep: maybe
  - server: s
    username: u
    password_env: P
    password_file: f
    port: 70000
  - name: ok
    server: s
    username: u
    password: p
)";
  const auto errors = errors_of(yaml);
  struct Expected {
    int line;
    int column;
    std::string part;
  };
  const std::vector<Expected> expected = {
      {1, 1, "did you mean 'database'"},
      {2, 12, "log_level must be one of"},
      {4, 18, "poll_interval must be at least 10s"},
      {10, 15, "security must be one of"},
      {11, 5, "account 'a' has no password source"},
      {11, 11, "duplicate account name 'a' (first defined at line 6)"},
      {12, 13, "server must not be empty"},
      {13, 12, "email must be an address"},
      {14, 11, "keep must be true or false"},
      {15, 5, "account has no name"},
      {18, 5, "more than one password source"},
      {19, 11, "port must be an integer"},
  };
  ASSERT_EQ(errors.size(), expected.size()) << dump(errors);
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(errors[i].location.line, expected[i].line) << dump(errors);
    EXPECT_EQ(errors[i].location.column, expected[i].column) << dump(errors);
    EXPECT_NE(errors[i].message.find(expected[i].part), std::string::npos) << i << dump(errors);
  }
}

TEST(LoadInvalid, MissingFileIsOneDiagnosticWithoutAPosition) {
  test_support::TempDir dir;
  const std::string path = (dir.path() / "nope.yaml").string();
  const auto result = config::load_file(path);
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].location.line, 0);
  EXPECT_EQ(result.errors[0].to_string(), path + ": cannot read the config file: No such file or directory");
}

TEST(LoadInvalid, DirectoryInsteadOfFile) {
  test_support::TempDir dir;
  const auto result = config::load_file(dir.path().string());
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_NE(result.errors[0].to_string().find("cannot read the config file"), std::string::npos);
}

TEST(LoadInvalid, ErrorsFromAFileNameTheFile) {
  test_support::TempDir dir;
  const std::string path = dir.write("bad.yaml", with("    keep: maybe\n"));
  const auto result = config::load_file(path);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].to_string(), path + ":6:11: keep must be true or false (got 'maybe')");
}

}  // namespace

namespace {

TEST(LoadInvalid, TlsFingerprintFormat) {
  EXPECT_TRUE(
      one_error(with("    tls_fingerprint: AB:CD\n"), 6, 22,
                {"tls_fingerprint must be 'sha256:' and the certificate's SHA-256", "(got 'AB:CD')"}));
  EXPECT_TRUE(one_error(with("    tls_fingerprint: \"sha1:" + std::string(40, 'a') + "\"\n"), 6, 22,
                        {"tls_fingerprint must be"}));
  // 63 digits, a stray separator, a non-hex digit.
  EXPECT_TRUE(
      one_error(with("    tls_fingerprint: sha256:" + std::string(63, 'a') + "\n"), 6, 22, {"64 hex"}));
  EXPECT_TRUE(
      one_error(with("    tls_fingerprint: sha256:" + std::string(62, 'a') + ":a\n"), 6, 22, {"64 hex"}));
  EXPECT_TRUE(
      one_error(with("    tls_fingerprint: sha256:" + std::string(63, 'a') + "g\n"), 6, 22, {"64 hex"}));
  EXPECT_TRUE(one_error(with("    tls_fingerprint: []\n"), 6, 22, {"at least one fingerprint"}));
  EXPECT_TRUE(one_error(with("    tls_fingerprint: [sha256:" + std::string(64, 'a') + ", nope]\n"), 6, 22,
                        {"(got 'nope')"}));
}

}  // namespace
