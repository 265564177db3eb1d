// Several rows per (account, uidl) (schema v3): a UIDL the server reused for
// other bytes is stored as a new generation, the same bytes again are
// recognised, short RETRs are flagged, and the listing's lookups (copies,
// header_block) answer what the deletion rule needs. Also the v2 -> v3
// migration of a real version 2 file.

#include <gtest/gtest.h>

#include <string>

#include "add_message.hpp"
#include "store/archive.hpp"
#include "store/database.hpp"
#include "store/header_block.hpp"
#include "store/message_index.hpp"
#include "store/schema.hpp"
#include "support/temp_dir.hpp"

namespace {

using test_support::TempDir;

std::int64_t query(const std::string& path, const std::string& sql) {
  auto db = store::Database::open(path, SQLITE_OPEN_READWRITE);
  EXPECT_TRUE(db.ok());
  if (!db) return -1;
  auto value = db->query_int64(sql, "test query");
  EXPECT_TRUE(value.ok()) << value.error().message;
  return value.ok() ? *value : -1;
}

const std::string kFirst = "Subject: first\r\nX: 1\r\n\r\nthe first message\r\n";
const std::string kSecond = "Subject: second\r\n\r\nanother message, same UIDL\r\n";

class Generations : public ::testing::Test {
 protected:
  void SetUp() override {
    auto archive = store::Archive::open(path_);
    ASSERT_TRUE(archive.ok()) << archive.error().message;
    archive_.emplace(std::move(*archive));
  }
  std::int64_t sql(const std::string& text) { return query(path_, text); }

  TempDir dir_;
  std::string path_ = dir_.file("archive.db");
  std::optional<store::Archive> archive_;
};

TEST_F(Generations, ReusedUidlWithOtherBytesIsANewRowSameBytesAreRecognised) {
  EXPECT_EQ(*store_test::add_message(*archive_, "alice", "u1", kFirst, 10), store::AddOutcome::Stored);
  EXPECT_EQ(*store_test::add_message(*archive_, "alice", "u1", kFirst, 11),
            store::AddOutcome::AlreadyPresent);
  // Before v3 this was "already present" and the new message was lost.
  EXPECT_EQ(*store_test::add_message(*archive_, "alice", "u1", kSecond, 12), store::AddOutcome::Stored);
  EXPECT_EQ(*store_test::add_message(*archive_, "alice", "u1", kSecond, 13),
            store::AddOutcome::AlreadyPresent);
  EXPECT_EQ(*store_test::add_message(*archive_, "alice", "u1", kFirst, 14),
            store::AddOutcome::AlreadyPresent);
  // Same length, one byte different: not the same message.
  std::string almost = kFirst;
  almost[almost.size() - 3] = 'X';
  EXPECT_EQ(*store_test::add_message(*archive_, "alice", "u1", almost, 15), store::AddOutcome::Stored);

  auto copies = archive_->copies("alice", "u1");
  ASSERT_TRUE(copies.ok()) << copies.error().message;
  ASSERT_EQ(copies->size(), 3u);
  EXPECT_EQ((*copies)[0].size, static_cast<std::int64_t>(kFirst.size()));
  EXPECT_EQ((*copies)[0].fetched_at, 10);
  EXPECT_EQ((*copies)[1].size, static_cast<std::int64_t>(kSecond.size()));
  EXPECT_EQ((*copies)[1].fetched_at, 12);
  EXPECT_EQ((*copies)[2].fetched_at, 15);
  EXPECT_EQ(sql("SELECT sum(generation) FROM messages WHERE uidl = 'u1'"), 0 + 1 + 2);
  EXPECT_EQ(*archive_->header_block((*copies)[1].id), "Subject: second\r\n\r\n");
  EXPECT_TRUE(archive_->copies("alice", "u2")->empty());
  EXPECT_TRUE(archive_->copies("bob", "u1")->empty());
}

TEST_F(Generations, NextGenerationFollowsTheHighestEvenAfterDeletion) {
  ASSERT_TRUE(store_test::add_message(*archive_, "alice", "u1", kFirst, 10).ok());
  const std::string uidls[] = {"u1"};
  ASSERT_EQ(*archive_->mark_deleted("alice", uidls, 20), 1);
  EXPECT_EQ(*store_test::add_message(*archive_, "alice", "u1", kSecond, 30), store::AddOutcome::Stored);
  auto copies = archive_->copies("alice", "u1");
  ASSERT_EQ(copies->size(), 2u);
  EXPECT_EQ((*copies)[0].deleted_at, 20);
  EXPECT_EQ((*copies)[1].deleted_at, std::nullopt);
  EXPECT_EQ(sql("SELECT max(generation) FROM messages"), 1);
}

TEST_F(Generations, ShortRetrIsFlaggedAndClearedByAFullIdenticalCopy) {
  store::AddFlags short_copy{.short_retr = true, .listed_size = 3100};
  EXPECT_EQ(*store_test::add_message(*archive_, "alice", "u1", kFirst, 10, short_copy),
            store::AddOutcome::Stored);
  auto copies = archive_->copies("alice", "u1");
  ASSERT_EQ(copies->size(), 1u);
  EXPECT_TRUE((*copies)[0].short_retr);
  EXPECT_EQ(sql("SELECT listed_size FROM messages"), 3100);

  // The same short bytes again: still short.
  EXPECT_EQ(*store_test::add_message(*archive_, "alice", "u1", kFirst, 11, short_copy),
            store::AddOutcome::AlreadyPresent);
  EXPECT_TRUE((*archive_->copies("alice", "u1"))[0].short_retr);
  // The same bytes, not short this time (the server's LIST agreed): cleared.
  store::AddFlags full{.short_retr = false, .listed_size = kFirst.size()};
  EXPECT_EQ(*store_test::add_message(*archive_, "alice", "u1", kFirst, 12, full),
            store::AddOutcome::AlreadyPresent);
  EXPECT_FALSE((*archive_->copies("alice", "u1"))[0].short_retr);
  EXPECT_EQ(sql("SELECT listed_size FROM messages"), static_cast<std::int64_t>(kFirst.size()));
  EXPECT_EQ(sql("SELECT count(*) FROM messages"), 1);

  // Without flags: no listed size recorded.
  ASSERT_TRUE(store_test::add_message(*archive_, "alice", "u2", kSecond, 13).ok());
  EXPECT_EQ(sql("SELECT count(*) FROM messages WHERE uidl = 'u2' AND listed_size IS NULL AND short_retr = 0"),
            1);
}

TEST_F(Generations, LookupsWorkInsideAReadTransactionAndABatch) {
  ASSERT_TRUE(store_test::add_message(*archive_, "alice", "u1", kFirst, 10).ok());
  {
    auto lookups = archive_->read_transaction();
    auto copies = archive_->copies("alice", "u1");
    ASSERT_TRUE(copies.ok());
    ASSERT_EQ(copies->size(), 1u);
    EXPECT_EQ(*archive_->header_block((*copies)[0].id), "Subject: first\r\nX: 1\r\n\r\n");
  }
  auto batch = archive_->begin_batch();
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(*batch->add_message("alice", "u1", kSecond, 11), store::AddOutcome::Stored);
  EXPECT_EQ(archive_->copies("alice", "u1")->size(), 2u);  // visible inside the batch
  ASSERT_TRUE(batch->commit().ok());
}

TEST_F(Generations, HeaderBlockOfAStoredMessage) {
  ASSERT_TRUE(store_test::add_message(*archive_, "a", "no-body", "Subject: x\r\nFrom: y\r\n", 1).ok());
  ASSERT_TRUE(store_test::add_message(*archive_, "a", "binary",
                                      std::string("S: \0\xff\r\n\r\n\0body\r\n\r\nmore", 22), 1)
                  .ok());
  const auto id_of = [&](const char* uidl) { return (*archive_->copies("a", uidl))[0].id; };
  EXPECT_EQ(*archive_->header_block(id_of("no-body")), "Subject: x\r\nFrom: y\r\n");
  EXPECT_EQ(*archive_->header_block(id_of("binary")), std::string("S: \0\xff\r\n\r\n", 9));
  auto missing = archive_->header_block(999);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, common::ErrorKind::Storage);
  EXPECT_NE(missing.error().message.find("no message with id 999"), std::string::npos);
}

TEST(HeaderBlockOf, UpToAndIncludingTheFirstEmptyLine) {
  EXPECT_EQ(store::header_block_of("A: b\r\n\r\nbody\r\n\r\nx"), "A: b\r\n\r\n");
  EXPECT_EQ(store::header_block_of("\r\n\r\nbody"), "\r\n\r\n");
  EXPECT_EQ(store::header_block_of("A: b\r\n"), "A: b\r\n");
  EXPECT_EQ(store::header_block_of("A: b\n\nbody"), "A: b\n\nbody");  // bare LF: no CRLF empty line
  EXPECT_EQ(store::header_block_of(""), "");
}

// A version 2 archive as popfetchd 2 wrote it: ids with gaps, one row
// deleted from the server, the FTS index filled.
void write_version2(const std::string& path) {
  auto db = store::Database::open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(db->exec("PRAGMA journal_mode = WAL;"
                       "CREATE TABLE messages (id INTEGER PRIMARY KEY, account TEXT NOT NULL,"
                       " uidl TEXT NOT NULL, size INTEGER NOT NULL, fetched_at INTEGER NOT NULL,"
                       " raw BLOB NOT NULL, deleted_at INTEGER, UNIQUE (account, uidl));"
                       "ALTER TABLE messages ADD COLUMN message_id TEXT;"
                       "ALTER TABLE messages ADD COLUMN from_addr TEXT;"
                       "ALTER TABLE messages ADD COLUMN to_addr TEXT;"
                       "ALTER TABLE messages ADD COLUMN subject TEXT;"
                       "ALTER TABLE messages ADD COLUMN date INTEGER;"
                       "CREATE INDEX messages_account_fetched_at ON messages(account, fetched_at);"
                       "CREATE INDEX messages_date ON messages(date);",
                       "writing a version 2 schema")
                  .ok());
  ASSERT_TRUE(db->exec(store::kCreateFtsSql, "fts").ok());
  ASSERT_TRUE(
      db->exec("INSERT INTO messages (id, account, uidl, size, fetched_at, raw, deleted_at, subject, date)"
               " VALUES (5, 'alice', 'a1', 29, 10, CAST('Subject: walrus' || char(13,10,13,10) ||"
               "   'elephant' AS BLOB), NULL, 'walrus', 1704067200),"
               " (9, 'alice', 'a2', 5, 20, CAST('hello' AS BLOB), 30, NULL, NULL);"
               "INSERT INTO messages_fts(rowid, \"from\", \"to\", subject, body) VALUES"
               " (5, '', '', 'walrus', 'elephant'), (9, '', '', '', 'hello');"
               "PRAGMA user_version = 2;",
               "writing version 2 rows")
          .ok());
}

TEST(SchemaV3, MigratesAVersion2FileKeepingIdsRowsAndTheIndex) {
  TempDir dir;
  const std::string path = dir.file("v2.db");
  write_version2(path);
  {
    auto archive = store::Archive::open(path);
    ASSERT_TRUE(archive.ok()) << archive.error().message;
    auto rows = archive->list(std::nullopt);
    ASSERT_EQ(rows->size(), 2u);
    EXPECT_EQ((*rows)[1].id, 5);
    EXPECT_EQ((*rows)[1].subject, "walrus");
    EXPECT_EQ((*rows)[1].date, 1704067200);
    EXPECT_EQ((*rows)[0].id, 9);
    EXPECT_EQ((*rows)[0].deleted_at, 30);
    // The FTS index still points at the right rows.
    auto found = archive->search("elephant", std::nullopt);
    ASSERT_EQ(found->size(), 1u);
    EXPECT_EQ((*found)[0].id, 5);
    EXPECT_EQ((*archive->search("walrus", std::nullopt))[0].uidl, "a1");
    auto copies = archive->copies("alice", "a1");
    ASSERT_EQ(copies->size(), 1u);
    EXPECT_FALSE((*copies)[0].short_retr);
    // UNIQUE(account, uidl) is gone: a reused UIDL gets generation 1.
    EXPECT_EQ(*store_test::add_message(*archive, "alice", "a1", "Subject: other\r\n\r\nx", 40),
              store::AddOutcome::Stored);
    EXPECT_EQ(*store_test::add_message(*archive, "alice", "a2", "hello", 41),
              store::AddOutcome::AlreadyPresent);
  }
  EXPECT_EQ(query(path, "PRAGMA user_version"), store::kSchemaVersion);
  EXPECT_EQ(query(path,
                  "SELECT count(*) FROM messages WHERE id IN (5, 9) AND generation = 0 AND short_retr = 0"
                  " AND listed_size IS NULL"),
            2);
  EXPECT_EQ(query(path, "SELECT generation FROM messages WHERE id > 9"), 1);
  EXPECT_EQ(query(path,
                  "SELECT count(*) FROM sqlite_schema WHERE name IN"
                  " ('messages_account_fetched_at', 'messages_date', 'messages_fts', 'messages_v3')"),
            3);
  auto db = store::Database::open(path, SQLITE_OPEN_READWRITE);
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(*db->query_text("PRAGMA integrity_check", "checking"), "ok");
  EXPECT_TRUE(
      db->exec("INSERT INTO messages_fts(messages_fts, rank) VALUES ('integrity-check', 0)", "fts check")
          .ok());
}

}  // namespace
