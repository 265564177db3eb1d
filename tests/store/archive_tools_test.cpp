// The archive behind `popfetchd import`, `show`, `search` (total), `list`
// (its index) and `backup`.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <functional>
#include <string>

#include "add_message.hpp"
#include "store/archive.hpp"
#include "store/backup.hpp"
#include "store/content_hash.hpp"
#include "store/database.hpp"
#include "store/list_sql.hpp"
#include "store/statement.hpp"
#include "support/files.hpp"
#include "support/temp_dir.hpp"

namespace {

using test_support::TempDir;

// store/ links no crypto: any deterministic digest will do for the tests.
store::Sha256Digest fake_sha256(std::string_view data) {
  store::Sha256Digest digest{};
  const std::size_t h = std::hash<std::string_view>{}(data);
  for (std::size_t i = 0; i < digest.size(); ++i) digest[i] = static_cast<std::uint8_t>(h >> ((i % 8) * 8));
  digest[31] = static_cast<std::uint8_t>(data.size());
  return digest;
}

std::string message(int n) {
  return "From: sender" + std::to_string(n) + "@example.org\r\nSubject: walrus " + std::to_string(n) +
         "\r\n\r\nbody " + std::to_string(n) + "\r\n";
}

store::Archive open_archive(const std::string& path) {
  auto archive = store::Archive::open(path);
  EXPECT_TRUE(archive.ok()) << archive.error().message;
  return std::move(archive).value();
}

common::Result<store::AddOutcome> import(store::Archive& archive, std::string_view account,
                                         std::string_view raw) {
  auto batch = archive.begin_batch();
  if (!batch) return batch.error();
  auto outcome = batch->add_imported(account, raw, 1000, fake_sha256);
  if (!outcome) return outcome;
  if (auto s = batch->commit(); !s) return s.error();
  return outcome;
}

TEST(ImportedUidl, CannotBeAServersUidlNorKeepFalsesHash) {
  const std::string uidl = store::imported_uidl("x", fake_sha256);
  EXPECT_EQ(uidl.rfind("imported sha256:", 0), 0U) << uidl;
  EXPECT_NE(uidl, store::content_hash_uidl("x", fake_sha256));
  EXPECT_NE(uidl.find(' '), std::string::npos);  // RFC 1939 unique-ids have no space
}

TEST(ArchiveImport, TheSameBytesInTheSameAccountAreStoredOnce) {
  auto archive = open_archive(":memory:");
  EXPECT_EQ(*import(archive, "alice", message(1)), store::AddOutcome::Stored);
  EXPECT_EQ(*import(archive, "alice", message(1)), store::AddOutcome::AlreadyPresent);
  EXPECT_EQ(*import(archive, "alice", message(2)), store::AddOutcome::Stored);
  // Another account is another mailbox.
  EXPECT_EQ(*import(archive, "bob", message(1)), store::AddOutcome::Stored);
  auto rows = archive.list(std::nullopt);
  ASSERT_EQ(rows->size(), 3U);
  EXPECT_EQ((*rows)[0].uidl, store::imported_uidl(message(1), fake_sha256));
  EXPECT_EQ((*rows)[0].account, "bob");
  // Searchable like fetched mail.
  EXPECT_EQ(archive.search("walrus", "alice")->size(), 2U);
}

TEST(ArchiveImport, AMessageAlreadyFetchedUnderAServerUidlIsNotImportedAgain) {
  auto archive = open_archive(":memory:");
  ASSERT_EQ(*store_test::add_message(archive, "alice", "server-uid-7", message(7), 10),
            store::AddOutcome::Stored);
  EXPECT_EQ(*import(archive, "alice", message(7)), store::AddOutcome::AlreadyPresent);
  // Same size, other bytes: a message of its own.
  std::string other = message(7);
  other[other.size() - 3] = 'X';
  EXPECT_EQ(*import(archive, "alice", other), store::AddOutcome::Stored);
  // The server's uidl still has exactly its one copy, which the listing rules see.
  EXPECT_EQ(archive.copies("alice", "server-uid-7")->size(), 1U);
  EXPECT_EQ(archive.list("alice")->size(), 2U);
}

TEST(ArchiveShow, RawMessageIsTheStoredBytesOrNothing) {
  auto archive = open_archive(":memory:");
  const std::string raw = message(3) + "tail without line end";
  ASSERT_TRUE(store_test::add_message(archive, "alice", "u3", raw, 10).ok());
  const std::int64_t id = (*archive.list(std::nullopt))[0].id;
  auto got = archive.raw_message(id);
  ASSERT_TRUE(got.ok()) << got.error().message;
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, raw);
  auto missing = archive.raw_message(id + 100);
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST(ArchiveSearch, CountMatchesCountsBeyondTheLimit) {
  auto archive = open_archive(":memory:");
  for (int n = 1; n <= 7; ++n)
    ASSERT_TRUE(
        store_test::add_message(archive, n <= 5 ? "a" : "b", "u" + std::to_string(n), message(n), n).ok());
  EXPECT_EQ(archive.search("walrus", std::nullopt, 3)->size(), 3U);
  EXPECT_EQ(*archive.count_matches("walrus", std::nullopt), 7);
  EXPECT_EQ(*archive.count_matches("walrus", "b"), 2);
  EXPECT_EQ(*archive.count_matches("nothing", std::nullopt), 0);
  auto bad = archive.count_matches("AND AND", std::nullopt);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("is not valid"), std::string::npos) << bad.error().message;
}

// The plan SQLite picks for `list`, as EXPLAIN QUERY PLAN's detail lines.
std::string plan_of(store::Database& db, std::string_view sql, bool with_account) {
  auto stmt = db.prepare("EXPLAIN QUERY PLAN " + std::string(sql), "plan");
  EXPECT_TRUE(stmt.ok()) << stmt.error().message;
  if (!stmt) return {};
  if (with_account) {
    EXPECT_TRUE(stmt->bind_all(std::string_view("alice"), std::int64_t{50}).ok());
  } else {
    EXPECT_TRUE(stmt->bind_all(std::int64_t{50}).ok());
  }
  std::string plan;
  while (true) {
    auto row = stmt->step();
    if (!row || !*row) break;
    plan += stmt->column_text(3) + "\n";
  }
  return plan;
}

TEST(ArchiveList, NewestFirstWalksAnIndexInsteadOfSortingTheTable) {
  TempDir dir;
  const std::string path = dir.file("archive.db");
  {
    auto archive = open_archive(path);
    for (int n = 1; n <= 20; ++n)
      ASSERT_TRUE(store_test::add_message(archive, "alice", "u" + std::to_string(n), message(n), n % 5).ok());
  }
  auto db = store::Database::open(path, SQLITE_OPEN_READWRITE);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(db->exec("ANALYZE", "analyze").ok());  // the planner sees the rows
  for (bool with_account : {false, true}) {
    const std::string plan =
        plan_of(*db, with_account ? store::kListAccountSql : store::kListAllSql, with_account);
    SCOPED_TRACE(plan);
    EXPECT_NE(plan.find("USING"), std::string::npos);
    EXPECT_NE(plan.find("INDEX messages_"), std::string::npos);
    EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos);  // no sort of every row
  }
}

TEST(ArchiveBackup, TheCopyOpensWithEveryRowAndIsTheOwnersAlone) {
  TempDir dir;
  const std::string path = dir.file("archive.db");
  auto archive = open_archive(path);
  for (int n = 1; n <= 30; ++n)
    ASSERT_TRUE(store_test::add_message(archive, "alice", "u" + std::to_string(n), message(n), n).ok());
  const std::string copy_path = dir.file("backup.db");
  auto stats = store::backup_archive(path, copy_path);
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_EQ(stats->messages, 30);
  EXPECT_GT(stats->bytes, 0);
  struct stat info {};
  ASSERT_EQ(::stat(copy_path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600U);
  EXPECT_NE(::stat((copy_path + "-wal").c_str(), &info), 0);  // one self-contained file

  auto copy = open_archive(copy_path);
  auto rows = copy.list(std::nullopt);
  ASSERT_EQ(rows->size(), 30U);
  EXPECT_EQ(**copy.raw_message((*rows)[0].id), **archive.raw_message((*rows)[0].id));
  EXPECT_EQ(copy.search("walrus", std::nullopt)->size(), 30U);
}

TEST(ArchiveBackup, WhileAnotherConnectionWritesTheCopyIsOneConsistentSnapshot) {
  TempDir dir;
  const std::string path = dir.file("archive.db");
  auto archive = open_archive(path);
  ASSERT_TRUE(store_test::add_message(archive, "alice", "u0", message(0), 1).ok());
  // A batch open on the daemon's connection (WAL): the backup does not wait
  // for it and does not see its uncommitted rows.
  auto batch = archive.begin_batch();
  ASSERT_TRUE(batch.ok());
  ASSERT_TRUE(batch->add_message("alice", "u1", message(1), 2).ok());
  auto stats = store::backup_archive(path, dir.file("snapshot.db"));
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_EQ(stats->messages, 1);
  ASSERT_TRUE(batch->commit().ok());
}

TEST(ArchiveBackup, RefusesAnExistingFileAndLeavesItAlone) {
  TempDir dir;
  const std::string path = dir.file("archive.db");
  { auto archive = open_archive(path); }
  const std::string existing = dir.file("precious");
  ASSERT_TRUE(test_support::write_file(existing, "keep me").ok());
  auto refused = store::backup_archive(path, existing);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("already exists"), std::string::npos) << refused.error().message;
  EXPECT_EQ(test_support::read_file(existing), "keep me");
}

TEST(ArchiveBackup, AFailedBackupLeavesNoPartialCopy) {
  TempDir dir;
  const std::string not_a_database = dir.file("garbage.db");
  ASSERT_TRUE(test_support::write_file(not_a_database, std::string(8192, 'x')).ok());
  const std::string target = dir.file("copy.db");
  auto failed = store::backup_archive(not_a_database, target);
  ASSERT_FALSE(failed.ok());
  struct stat info {};
  EXPECT_NE(::stat(target.c_str(), &info), 0) << "partial copy left behind";
  EXPECT_FALSE(store::backup_archive(dir.file("missing.db"), target).ok());
  EXPECT_NE(::stat(target.c_str(), &info), 0);
}

}  // namespace
