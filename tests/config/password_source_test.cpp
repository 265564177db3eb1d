// resolve_password for each source, and that no error ever carries the password.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/password_command.hpp"
#include "scoped_env.hpp"
#include "support/temp_dir.hpp"

namespace {

using Kind = config::PasswordSource::Kind;

constexpr const char* kSecret = "hunter2-s3cret";

// The resolved Secret's bytes, so the assertions below can compare text.
common::Result<std::string> revealed(const common::Result<common::Secret>& result) {
  if (!result) return result.error();
  return std::string(result->reveal());
}

common::Result<std::string> resolve(Kind kind, const std::string& value) {
  return revealed(config::resolve_password(config::PasswordSource{kind, value, {}}));
}

// The error is a Config error containing `part` and never the secret.
::testing::AssertionResult fails_with(const common::Result<std::string>& result, const std::string& part) {
  if (result.ok()) return ::testing::AssertionFailure() << "resolved to a value";
  const auto& error = result.error();
  if (error.kind != common::ErrorKind::Config)
    return ::testing::AssertionFailure() << "kind " << to_string(error.kind);
  if (error.message.find(part) == std::string::npos) {
    return ::testing::AssertionFailure() << "\"" << error.message << "\" lacks \"" << part << "\"";
  }
  if (error.message.find(kSecret) != std::string::npos) {
    return ::testing::AssertionFailure() << "the message leaks the password: " << error.message;
  }
  return ::testing::AssertionSuccess();
}

TEST(ResolvePassword, Literal) {
  const auto result = resolve(Kind::Literal, kSecret);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result, kSecret);
  EXPECT_TRUE(fails_with(resolve(Kind::Literal, ""), "password is empty"));
}

TEST(ResolvePassword, FileGivesTheFirstLineOnly) {
  test_support::TempDir dir;
  const auto result = resolve(Kind::File, dir.write("pw", std::string(kSecret) + "\nsecond line\n"));
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(*result, kSecret);
}

TEST(ResolvePassword, FileStripsCrlf) {
  test_support::TempDir dir;
  const auto result = resolve(Kind::File, dir.write("pw", std::string(kSecret) + "\r\nsecond\r\n"));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result, kSecret);
}

TEST(ResolvePassword, FileWithoutNewlineAndWithSpaces) {
  test_support::TempDir dir;
  const auto result = resolve(Kind::File, dir.write("pw", " pass word "));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result, " pass word ");  // only the line end is stripped
}

TEST(ResolvePassword, MissingFile) {
  test_support::TempDir dir;
  const std::string path = (dir.path() / "missing").string();
  EXPECT_TRUE(
      fails_with(resolve(Kind::File, path), "cannot read password_file '" + path + "': No such file"));
}

TEST(ResolvePassword, EmptyFile) {
  test_support::TempDir dir;
  const std::string path = dir.write("pw", "");
  EXPECT_TRUE(fails_with(resolve(Kind::File, path), "password_file '" + path + "' is empty"));
  const std::string blank_first = dir.write("pw2", "\r\n" + std::string(kSecret) + "\n");
  EXPECT_TRUE(fails_with(resolve(Kind::File, blank_first), "is empty"));
}

TEST(ResolvePassword, FileWithAnOverlongFirstLine) {
  test_support::TempDir dir;
  const std::string path = dir.write("pw", std::string(config::kMaxPasswordLength + 1, 'x'));
  EXPECT_TRUE(fails_with(resolve(Kind::File, path), "longer than"));
  const std::string longest = dir.write("pw2", std::string(config::kMaxPasswordLength, 'y') + "\r\n");
  const auto result = resolve(Kind::File, longest);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->size(), config::kMaxPasswordLength);
}

TEST(ResolvePassword, UnreadableFile) {
  test_support::TempDir dir;
  EXPECT_TRUE(fails_with(resolve(Kind::File, dir.path().string()), "cannot read password_file"));
}

TEST(ResolvePassword, CommandFirstLineOfStdout) {
  const auto result = resolve(Kind::Command, std::string("printf '%s\\r\\nmore\\n' ") + kSecret);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(*result, kSecret);
}

TEST(ResolvePassword, CommandWithoutTrailingNewline) {
  const auto result = resolve(Kind::Command, "printf abc");
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(*result, "abc");
}

TEST(ResolvePassword, CommandSeesNoStdin) {
  // stdin is /dev/null: `cat` ends at once instead of waiting on ours.
  EXPECT_TRUE(fails_with(resolve(Kind::Command, "cat"), "printed nothing"));
}

TEST(ResolvePassword, CommandFailsWithItsExitStatusNotItsOutput) {
  EXPECT_TRUE(fails_with(resolve(Kind::Command, std::string("echo ") + kSecret + "; exit 3"),
                         "password_command exited with status 3"));
}

TEST(ResolvePassword, CommandPrintsNothing) {
  EXPECT_TRUE(fails_with(resolve(Kind::Command, "true"), "password_command printed nothing"));
  EXPECT_TRUE(fails_with(resolve(Kind::Command, "echo"), "printed nothing"));
}

TEST(ResolvePassword, CommandNotFound) {
  EXPECT_TRUE(fails_with(resolve(Kind::Command, "/nonexistent/popfetchd-password-helper 2>/dev/null"),
                         "exited with status 127 (command not found)"));
}

TEST(ResolvePassword, CommandKilledBySignal) {
  EXPECT_TRUE(fails_with(resolve(Kind::Command, std::string("echo ") + kSecret + "; kill -KILL $$"),
                         "password_command was killed by signal 9"));
}

TEST(ResolvePassword, CommandThatNeverStopsWritingIsCutOffAfterTheFirstLine) {
  // `yes` writes forever; past the output bound we close the pipe, and the
  // SIGPIPE death we caused is not an error: the first line is the password.
  const auto result = resolve(Kind::Command, std::string("yes ") + kSecret);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(*result, kSecret);
}

TEST(ResolvePassword, CommandPrintingSeveralLinesInSeveralWrites) {
  // Like `pass show`: the password, then more lines, written separately.
  const auto result =
      resolve(Kind::Command, std::string("echo ") + kSecret + "; echo login: alice; echo url: x");
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(*result, kSecret);
}

TEST(ResolvePassword, CommandWithAnOverlongFirstLine) {
  EXPECT_TRUE(fails_with(resolve(Kind::Command, "head -c 200000 /dev/zero | tr '\\0' x"), "longer than"));
}

TEST(ResolvePassword, EnvSet) {
  config_test::ScopedEnv env("POPFETCHD_TEST_PASSWORD", kSecret);
  const auto result = resolve(Kind::Env, "POPFETCHD_TEST_PASSWORD");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result, kSecret);
}

TEST(ResolvePassword, EnvUnsetOrEmpty) {
  {
    config_test::ScopedEnv env("POPFETCHD_TEST_PASSWORD", nullptr);
    EXPECT_TRUE(fails_with(resolve(Kind::Env, "POPFETCHD_TEST_PASSWORD"),
                           "environment variable 'POPFETCHD_TEST_PASSWORD' is not set"));
  }
  config_test::ScopedEnv env("POPFETCHD_TEST_PASSWORD", "");
  EXPECT_TRUE(fails_with(resolve(Kind::Env, "POPFETCHD_TEST_PASSWORD"),
                         "environment variable 'POPFETCHD_TEST_PASSWORD' is empty"));
}

// A password_command's child sees our environment minus every password_env
// of the config: another account's secret (name and value) stays out of it.
TEST(ResolvePassword, CommandDoesNotSeeAnyAccountsPasswordEnv) {
  config_test::ScopedEnv bob("POPFETCHD_TEST_BOB_SECRET", kSecret);
  config_test::ScopedEnv carol("POPFETCHD_TEST_CAROL_SECRET", "carol-pw-9");
  config_test::ScopedEnv visible("POPFETCHD_TEST_VISIBLE", "plain-value");
  const config::LoadResult loaded = config::load_string(
      "accounts:\n"
      "  - name: alice\n    server: s\n    username: u\n"
      "    password_command: \"env | tr '\\\\n' ' '\"\n"
      "  - name: bob\n    server: s\n    username: u\n    password_env: POPFETCHD_TEST_BOB_SECRET\n"
      "  - name: carol\n    server: s\n    username: u\n    password_env: POPFETCHD_TEST_CAROL_SECRET\n",
      "test.yaml");
  ASSERT_TRUE(loaded.ok()) << (loaded.errors.empty() ? "" : loaded.errors[0].to_string());
  const config::Account& alice = loaded.config->accounts[0];
  EXPECT_EQ(alice.password.withheld_env,
            (std::vector<std::string>{"POPFETCHD_TEST_BOB_SECRET", "POPFETCHD_TEST_CAROL_SECRET"}));
  const auto seen = revealed(config::resolve_password(alice.password));
  ASSERT_TRUE(seen.ok()) << seen.error().message;
  EXPECT_NE(seen->find("POPFETCHD_TEST_VISIBLE=plain-value"), std::string::npos) << "the rest is passed on";
  EXPECT_EQ(seen->find("POPFETCHD_TEST_BOB_SECRET"), std::string::npos);
  EXPECT_EQ(seen->find(kSecret), std::string::npos);
  EXPECT_EQ(seen->find("POPFETCHD_TEST_CAROL_SECRET"), std::string::npos);
  EXPECT_EQ(seen->find("carol-pw-9"), std::string::npos);
}

}  // namespace

TEST(RunPasswordCommand, ACommandThatHangsIsKilledAtTheTimeout) {
  // A prompt nobody answers: without the bound, the daemon would wait for ever.
  const auto result =
      config::detail::run_password_command("sleep 30; echo late", {}, std::chrono::milliseconds(300));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, common::ErrorKind::Config);
  EXPECT_NE(result.error().message.find("did not finish within 300 ms and was killed"), std::string::npos)
      << result.error().message;
}
