// Issue 17, `popfetchd migrate --to`: the real binary copies an SQLite
// archive into the tests' private PostgreSQL, verifies it, resumes without
// copying twice, never shows the URI's password, and refuses a target that
// is the source or a source that does not exist. Afterwards `list` on the
// PostgreSQL config shows what the SQLite one did.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "integration/popfetchd_cli.hpp"
#include "store/archive.hpp"
#include "support/postgres_server.hpp"
#include "support/temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using test_support::CapturedRun;
using ::testing::HasSubstr;
using ::testing::Not;

std::string describe(const CapturedRun& run) {
  return "exit " + std::to_string(run.exit_code()) + "\nstdout:\n" + run.out + "stderr:\n" + run.err;
}

class MigrateCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = test_support::TempDir::create("popfetchd-migrate-");
    ASSERT_TRUE(dir.ok()) << dir.error().message;
    dir_.emplace(std::move(*dir));
    integration::ConfigAccount alice;
    alice.name = "alice";
    alice.password = "p";
    integration::ConfigAccount bob = alice;
    bob.name = "bob";
    accounts_ = {alice, bob};
    ASSERT_TRUE(integration::write_config(config(), sqlite_path(), accounts_).ok());
  }

  fs::path config() const { return dir_->path() / "sqlite.yaml"; }
  std::string sqlite_path() const { return (dir_->path() / "archive.db").string(); }

  void fill_sqlite() {
    auto archive = store::Archive::open(sqlite_path());
    ASSERT_TRUE(archive) << archive.error().message;
    auto batch = archive->begin_batch();
    ASSERT_TRUE(batch) << batch.error().message;
    for (int i = 0; i < 3; ++i) {
      const std::string raw = "Subject: migrated " + std::to_string(i) + "\r\n\r\nbody\r\n";
      ASSERT_TRUE(batch->add_message(i == 2 ? "bob" : "alice", "u" + std::to_string(i), raw, 1000 + i));
    }
    ASSERT_TRUE(batch->commit());
  }

  CapturedRun run(const fs::path& config, std::vector<std::string> args) {
    args.insert(args.begin(), {"-c", config.string()});
    auto result = integration::run_popfetchd(args, dir_->path());
    EXPECT_TRUE(result.ok()) << result.error().message;
    if (result) {
      EXPECT_TRUE(integration::sanitizer_clean(result->err)) << result->err;
    }
    return result ? *result : CapturedRun{};
  }

  std::optional<test_support::TempDir> dir_;
  std::vector<integration::ConfigAccount> accounts_;
};

TEST_F(MigrateCommand, CopiesVerifiesAndResumesIntoPostgresql) {
  fill_sqlite();
  auto uri = test_support::fresh_postgres_database();
  ASSERT_TRUE(uri) << uri.error().message;
  // Trust authentication ignores the password; it is there to be hidden.
  const std::string target = *uri + "&password=hunter2";

  const CapturedRun first = run(config(), {"migrate", "--to", target});
  EXPECT_EQ(first.exit_code(), 0) << describe(first);
  EXPECT_THAT(first.out, HasSubstr("copied 3 messages"));
  EXPECT_THAT(first.out, HasSubstr("verified: 2 accounts, 3 messages"));
  EXPECT_THAT(first.out + first.err, Not(HasSubstr("hunter2")));
  EXPECT_THAT(first.out, HasSubstr("password=***"));

  const CapturedRun again = run(config(), {"migrate", "--to", target});
  EXPECT_EQ(again.exit_code(), 0) << describe(again);
  EXPECT_THAT(again.out, HasSubstr("copied 0 messages"));
  EXPECT_THAT(again.out, HasSubstr("3 already there"));

  const fs::path pg_config = dir_->path() / "pg.yaml";
  ASSERT_TRUE(integration::write_config(pg_config, *uri, accounts_).ok());
  const CapturedRun listed = run(pg_config, {"list", "--account", "alice"});
  EXPECT_EQ(listed.exit_code(), 0) << describe(listed);
  EXPECT_THAT(listed.out, HasSubstr("migrated 0"));
  EXPECT_THAT(listed.out, HasSubstr("migrated 1"));
  EXPECT_THAT(listed.out, Not(HasSubstr("migrated 2")));
}

TEST_F(MigrateCommand, RefusesItsOwnDatabaseAndAMissingArchive) {
  const CapturedRun missing = run(config(), {"migrate", "--to", (dir_->path() / "copy.db").string()});
  EXPECT_EQ(missing.exit_code(), 2) << describe(missing);
  EXPECT_THAT(missing.err, HasSubstr("nothing to copy"));
  EXPECT_FALSE(fs::exists(dir_->path() / "copy.db"));

  fill_sqlite();
  const CapturedRun itself = run(config(), {"migrate", "--to", sqlite_path()});
  EXPECT_EQ(itself.exit_code(), 2) << describe(itself);
  EXPECT_THAT(itself.err, HasSubstr("names the config's own database"));

  const CapturedRun help = run(config(), {"migrate", "--help"});
  EXPECT_EQ(help.exit_code(), 0) << describe(help);
  EXPECT_THAT(help.out, HasSubstr("--to"));
  EXPECT_THAT(help.out, HasSubstr("Exit status:\n  0  copied and verified"));
}

TEST_F(MigrateCommand, CopiesIntoAnotherSqliteFileToo) {
  fill_sqlite();
  const std::string copy = (dir_->path() / "copy.db").string();
  const CapturedRun out = run(config(), {"migrate", "--to", copy});
  EXPECT_EQ(out.exit_code(), 0) << describe(out);
  EXPECT_THAT(out.out, HasSubstr("verified: 2 accounts, 3 messages"));
  EXPECT_EQ(fs::status(copy).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
}

}  // namespace
