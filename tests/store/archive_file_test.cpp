// The archive on real files: creation, reopening, migrations, and the files
// popfetchd must refuse (corrupt, newer, foreign, read-only, missing directory).

#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <string>

#include "add_message.hpp"
#include "store/archive.hpp"
#include "store/database.hpp"
#include "store/schema.hpp"
#include "support/files.hpp"
#include "support/temp_dir.hpp"
#include "without_root.hpp"

namespace {

using test_support::TempDir;
using store_test::without_root;

store::Database raw_db(const std::string& path) {
  auto db = store::Database::open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  EXPECT_TRUE(db.ok());
  return std::move(db).value();
}

std::int64_t query(const std::string& path, const std::string& sql) {
  auto db = raw_db(path);
  auto value = db.query_int64(sql, "test query");
  EXPECT_TRUE(value.ok()) << value.error().message;
  return value.ok() ? *value : -1;
}

TEST(ArchiveFile, CreatesTheSchemaInWalMode) {
  TempDir dir;
  const std::string path = dir.file("archive.db");
  {
    auto archive = store::Archive::open(path);
    ASSERT_TRUE(archive.ok()) << archive.error().message;
    EXPECT_EQ(archive->path(), path);
  }
  EXPECT_EQ(query(path, "PRAGMA user_version"), store::kSchemaVersion);
  auto db = raw_db(path);
  EXPECT_EQ(*db.query_text("PRAGMA journal_mode", "mode"), "wal");
  for (const char* name : {"messages", "messages_fts", "messages_account_fetched_at", "messages_date"}) {
    EXPECT_EQ(
        *db.query_int64(std::string("SELECT count(*) FROM sqlite_schema WHERE name = '") + name + "'", "q"),
        1)
        << name;
  }
  // The columns of DESIGN.md §3 are all there.
  EXPECT_EQ(*db.query_int64("SELECT count(*) FROM pragma_table_info('messages') WHERE name IN "
                            "('id','account','uidl','size','fetched_at','raw','deleted_at')",
                            "q"),
            7);
}

// A new archive gets 16 KiB pages (fewer write calls per message); a file
// made with SQLite's default keeps its pages.
TEST(ArchiveFile, NewArchivesUse16KiBPagesOldOnesKeepTheirs) {
  TempDir dir;
  const std::string fresh = dir.file("fresh.db");
  { ASSERT_TRUE(store::Archive::open(fresh).ok()); }
  EXPECT_EQ(query(fresh, "PRAGMA page_size"), 16384);

  const std::string old = dir.file("old.db");
  {
    auto db = raw_db(old);
    // WAL fixes the page size as soon as the file exists.
    ASSERT_TRUE(db.exec("PRAGMA page_size = 4096; PRAGMA journal_mode = WAL", "setup").ok());
  }
  {
    auto archive = store::Archive::open(old);
    ASSERT_TRUE(archive.ok()) << archive.error().message;
    ASSERT_TRUE(store_test::add_message(*archive, "a", "u1", "Subject: x\r\n\r\nbody\r\n", 1).ok());
  }
  EXPECT_EQ(query(old, "PRAGMA page_size"), 4096);
  EXPECT_EQ(query(old, "SELECT count(*) FROM messages"), 1);
}

// A listing's lookups run in one read transaction: while it lives no batch
// may begin (a write would need it ended first); inside an open batch it is
// a no-op and the batch goes on.
TEST(ArchiveFile, ReadTransactionForLookups) {
  TempDir dir;
  const std::string path = dir.file("archive.db");
  auto archive = store::Archive::open(path);
  ASSERT_TRUE(archive.ok()) << archive.error().message;
  ASSERT_TRUE(store_test::add_message(*archive, "a", "u1", "Subject: x\r\n\r\nbody\r\n", 1).ok());
  {
    auto lookups = archive->read_transaction();
    EXPECT_EQ(!archive->copies("a", "u1")->empty(), true);
    EXPECT_EQ(!archive->copies("a", "u2")->empty(), false);
    auto batch = archive->begin_batch();
    ASSERT_FALSE(batch.ok());
    EXPECT_NE(batch.error().message.find("read transaction"), std::string::npos) << batch.error().message;
    // Another connection can still write (WAL): the read lock blocks nobody.
    auto other = store::Archive::open(path);
    ASSERT_TRUE(other.ok());
    EXPECT_TRUE(store_test::add_message(*other, "a", "u2", "Subject: y\r\n\r\nbody\r\n", 2).ok());
  }
  EXPECT_EQ(!archive->copies("a", "u2")->empty(), true);  // a new snapshot once it ended

  auto batch = archive->begin_batch();
  ASSERT_TRUE(batch.ok()) << batch.error().message;
  ASSERT_TRUE(batch->add_message("a", "u3", "Subject: z\r\n\r\nbody\r\n", 3).ok());
  {
    auto lookups = archive->read_transaction();  // inside the batch: nothing to begin
    EXPECT_EQ(!archive->copies("a", "u3")->empty(), true);
  }
  ASSERT_TRUE(batch->commit().ok());
  EXPECT_EQ(query(path, "SELECT count(*) FROM messages"), 3);
}

TEST(ArchiveFile, ReopensWithItsData) {
  TempDir dir;
  const std::string path = dir.file("archive.db");
  {
    auto archive = store::Archive::open(path);
    ASSERT_TRUE(archive.ok());
    ASSERT_TRUE(
        store_test::add_message(*archive, "alice", "u1", "Subject: kept\r\n\r\nbody words\r\n", 7).ok());
  }
  auto archive = store::Archive::open(path);
  ASSERT_TRUE(archive.ok()) << archive.error().message;
  EXPECT_TRUE(!archive->copies("alice", "u1")->empty());
  EXPECT_EQ(archive->search("words", std::nullopt)->size(), 1u);
}

TEST(ArchiveFile, ManyUidlLookups) {
  // copies() runs for every line of a UIDL listing: 300,000 lookups against
  // 300,000 stored messages must be quick (no timing assertion: the run time
  // of the test binary shows it). The rows are written with one SQL
  // statement because storing 300,000 messages one by one is not what this
  // test is about.
  TempDir dir;
  const std::string path = dir.file("big.db");
  ASSERT_TRUE(store::Archive::open(path).ok());
  {
    auto db = raw_db(path);
    ASSERT_TRUE(
        db.exec("WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 299999) "
                "INSERT INTO messages (account, uidl, size, fetched_at, raw) "
                "SELECT CASE WHEN i % 2 = 0 THEN 'alice' ELSE 'bob' END, 'uidl-' || i, 1, 1, x'00' FROM n",
                "filling")
            .ok());
  }
  auto archive = store::Archive::open(path);
  ASSERT_TRUE(archive.ok()) << archive.error().message;
  auto lookups = archive->read_transaction();  // as AccountPoll runs them
  // copies(), what the listing asks for each UIDL, is one index range.
  int copies = 0;
  for (int i = 0; i < 300000; ++i) {
    auto rows = archive->copies("alice", "uidl-" + std::to_string(i));
    ASSERT_TRUE(rows.ok());
    copies += static_cast<int>(rows->size());
  }
  EXPECT_EQ(copies, 150000);
}

TEST(ArchiveFile, MigratesAVersion1Database) {
  TempDir dir;
  const std::string path = dir.file("v1.db");
  {
    auto db = raw_db(path);
    ASSERT_TRUE(
        db.exec("CREATE TABLE messages (id INTEGER PRIMARY KEY, account TEXT NOT NULL, uidl TEXT NOT NULL,"
                " size INTEGER NOT NULL, fetched_at INTEGER NOT NULL, raw BLOB NOT NULL,"
                " deleted_at INTEGER, UNIQUE (account, uidl));"
                "INSERT INTO messages (account, uidl, size, fetched_at, raw, deleted_at) VALUES"
                " ('alice', 'a1', 0, 10, CAST('Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=' || char(13,10) ||"
                "  'Date: Mon, 1 Jan 2024 00:00:00 +0000' || char(13,10,13,10) || 'elephant' AS BLOB), NULL),"
                " ('alice', 'a2', 0, 20, CAST('no headers at all' AS BLOB), 30);"
                "PRAGMA user_version = 1;",
                "writing a version 1 database")
            .ok());
  }
  auto archive = store::Archive::open(path);
  ASSERT_TRUE(archive.ok()) << archive.error().message;
  EXPECT_EQ(query(path, "PRAGMA user_version"), store::kSchemaVersion);

  auto rows = archive->list(std::nullopt);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[1].subject,
            "Gr\xc3\xbc\xc3\x9f"
            "e");  // backfilled from raw
  EXPECT_EQ((*rows)[1].date, 1704067200);
  EXPECT_EQ((*rows)[0].subject, "");
  EXPECT_EQ((*rows)[0].deleted_at, 30);  // existing data kept
  EXPECT_EQ(archive->search("elephant", std::nullopt)->size(), 1u);
  EXPECT_EQ(archive
                ->search("gr\xc3\xbc\xc3\x9f"
                         "e",
                         std::nullopt)
                ->size(),
            1u);
  EXPECT_TRUE(!archive->copies("alice", "a2")->empty());
  // New messages go in next to the migrated ones.
  EXPECT_EQ(*store_test::add_message(*archive, "alice", "a3", "Subject: new\r\n\r\n", 40),
            store::AddOutcome::Stored);
  // Other bytes under a stored UIDL: a new generation (schema v3), not "already present".
  EXPECT_EQ(*store_test::add_message(*archive, "alice", "a1", "dup", 40), store::AddOutcome::Stored);
}

TEST(ArchiveFile, RefusesANewerSchema) {
  TempDir dir;
  const std::string path = dir.file("future.db");
  {
    auto db = raw_db(path);
    ASSERT_TRUE(
        db.exec("CREATE TABLE messages (id INTEGER PRIMARY KEY); PRAGMA user_version = 7", "setup").ok());
  }
  auto archive = store::Archive::open(path);
  ASSERT_FALSE(archive.ok());
  EXPECT_EQ(archive.error().kind, common::ErrorKind::Storage);
  EXPECT_NE(archive.error().message.find("database schema version 7 is newer than this popfetchd supports (" +
                                         std::to_string(store::kSchemaVersion) + "); upgrade popfetchd"),
            std::string::npos)
      << archive.error().message;
  EXPECT_EQ(query(path, "PRAGMA user_version"), 7);  // untouched
}

TEST(ArchiveFile, RefusesAForeignDatabase) {
  TempDir dir;
  const std::string path = dir.file("other.db");
  {
    auto db = raw_db(path);
    ASSERT_TRUE(db.exec("CREATE TABLE contacts (name TEXT)", "setup").ok());
  }
  auto archive = store::Archive::open(path);
  ASSERT_FALSE(archive.ok());
  EXPECT_NE(archive.error().message.find("is not a popfetchd archive"), std::string::npos)
      << archive.error().message;
}

TEST(ArchiveFile, CorruptFileIsAClearError) {
  TempDir dir;
  const std::string path = dir.file("garbage.db");
  std::string garbage;
  for (int i = 0; i < 8192; ++i) garbage += static_cast<char>((i * 7919) & 0xff);
  ASSERT_TRUE(test_support::write_file(path, garbage).ok());
  auto archive = store::Archive::open(path);
  ASSERT_FALSE(archive.ok());
  EXPECT_EQ(archive.error().kind, common::ErrorKind::Storage);
  EXPECT_EQ(archive.error().message, "opening database " + path + ": file is not a database");
}

TEST(ArchiveFile, MissingDirectoryIsAClearError) {
  TempDir dir;
  const std::string path = dir.file("no/such/dir/archive.db");
  auto archive = store::Archive::open(path);
  ASSERT_FALSE(archive.ok());
  EXPECT_EQ(archive.error().kind, common::ErrorKind::Storage);
  EXPECT_NE(archive.error().message.find("directory " + dir.file("no/such/dir") + " does not exist"),
            std::string::npos)
      << archive.error().message;
}

TEST(ArchiveFile, ReadOnlyUriIsRefusedAtOpen) {
  TempDir dir;
  const std::string path = dir.file("archive.db");
  ASSERT_TRUE(store::Archive::open(path).ok());
  auto archive = store::Archive::open("file:" + path + "?mode=ro");
  ASSERT_FALSE(archive.ok());
  EXPECT_NE(archive.error().message.find("read-only"), std::string::npos) << archive.error().message;
}

// Open, then write: the error may come at either step.
std::string open_and_write(const std::string& path) {
  auto archive = store::Archive::open(path);
  if (!archive) return archive.error().message;
  auto added = store_test::add_message(*archive, "alice", "u-new", "Subject: x\r\n\r\n", 1);
  if (!added) return added.error().message;
  return "";
}

TEST(ArchiveFile, ReadOnlyFileIsAClearError) {
  TempDir dir;
  ::chmod(dir.path().c_str(), 0755);  // let the unprivileged child in
  const std::string path = dir.file("archive.db");
  ASSERT_TRUE(store::Archive::open(path).ok());
  ASSERT_EQ(::chmod(path.c_str(), 0444), 0);
  const std::string message = without_root([&] { return open_and_write(path); });
  ASSERT_NE(message, "SETUID FAILED");
  ASSERT_NE(message, "") << "writing a read-only database succeeded";
  EXPECT_NE(message.find("read-only"), std::string::npos) << message;
  EXPECT_NE(message.find("must be able to write the database file"), std::string::npos) << message;
}

TEST(ArchiveFile, ReadOnlyDirectoryIsAClearError) {
  TempDir dir;
  ::chmod(dir.path().c_str(), 0755);
  const std::string sub = dir.file("ro");
  ASSERT_EQ(::mkdir(sub.c_str(), 0755), 0);
  const std::string existing = sub + "/archive.db";
  ASSERT_TRUE(store::Archive::open(existing).ok());
  ASSERT_EQ(::chmod(existing.c_str(), 0666), 0);  // only the directory is read-only
  ASSERT_EQ(::chmod(sub.c_str(), 0555), 0);

  // A new database cannot be created there...
  const std::string created = without_root([&] { return open_and_write(sub + "/new.db"); });
  ASSERT_NE(created, "SETUID FAILED");
  EXPECT_NE(created, "") << "creating a database in a read-only directory succeeded";
  EXPECT_EQ(created.rfind("opening database ", 0), 0u) << created;
  EXPECT_NE(created.find("is not writable"), std::string::npos) << created;
  // ...and an existing one cannot get its WAL files.
  const std::string reopened = without_root([&] { return open_and_write(existing); });
  EXPECT_NE(reopened, "") << "writing a database in a read-only directory succeeded";
  EXPECT_NE(reopened.find("must be able to write the database file and its directory"), std::string::npos)
      << reopened;
  ::chmod(sub.c_str(), 0755);
}

}  // namespace
