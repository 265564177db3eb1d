#include <gtest/gtest.h>

#include <string>

#include "store/database.hpp"
#include "store/statement.hpp"
#include "store/transaction.hpp"

namespace {

store::Database memory_db() {
  auto db = store::Database::open(":memory:", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  EXPECT_TRUE(db.ok());
  auto s = db->exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT, b BLOB)", "creating t");
  EXPECT_TRUE(s.ok());
  return std::move(db).value();
}

TEST(Statement, BindsStepsAndReadsTypedColumns) {
  auto db = memory_db();
  auto insert = db.prepare("INSERT INTO t (k, v, b) VALUES (?1, ?2, ?3)", "inserting");
  ASSERT_TRUE(insert.ok());
  for (int i = 1; i <= 3; ++i) {
    auto use = insert->use();
    const std::string text = "row" + std::to_string(i);
    ASSERT_TRUE(insert->bind_all(i, text, store::Blob{std::string_view("a\0b", 3)}).ok());
    auto done = insert->step();
    ASSERT_TRUE(done.ok());
    EXPECT_FALSE(*done);
  }
  auto null_row = db.exec("INSERT INTO t (k) VALUES (4)", "inserting");
  ASSERT_TRUE(null_row.ok());

  auto select = db.prepare("SELECT v, b, k FROM t WHERE k = ?1", "selecting");
  ASSERT_TRUE(select.ok());
  {
    auto use = select->use();
    ASSERT_TRUE(select->bind_all(2).ok());
    auto row = select->step();
    ASSERT_TRUE(row.ok());
    ASSERT_TRUE(*row);
    EXPECT_EQ(select->column_text(0), "row2");
    EXPECT_EQ(select->column_blob(1), std::string_view("a\0b", 3));
    EXPECT_EQ(select->column_int64(2), 2);
  }
  {
    auto use = select->use();  // reused after reset: bindings were cleared
    ASSERT_TRUE(select->bind_all(4).ok());
    ASSERT_TRUE(*select->step());
    EXPECT_EQ(select->column_optional_text(0), std::nullopt);
    EXPECT_EQ(select->column_text(0), "");
    EXPECT_EQ(select->column_optional_int64(1), std::nullopt);
  }
}

TEST(Statement, EmptyBlobIsNotNull) {
  auto db = memory_db();
  auto insert = db.prepare("INSERT INTO t (k, b) VALUES (1, ?1)", "inserting");
  ASSERT_TRUE(insert.ok());
  ASSERT_TRUE(insert->bind_all(store::Blob{{}}).ok());
  ASSERT_TRUE(insert->step().ok());
  auto is_null = db.query_int64("SELECT b IS NULL FROM t", "checking");
  ASSERT_TRUE(is_null.ok());
  EXPECT_EQ(*is_null, 0);
}

TEST(Statement, ErrorsNameWhatWeWereDoing) {
  auto db = memory_db();
  auto bad = db.prepare("SELEC nonsense", "preparing the lookup");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, common::ErrorKind::Storage);
  EXPECT_EQ(bad.error().message.rfind("preparing the lookup: ", 0), 0u) << bad.error().message;
  EXPECT_NE(bad.error().message.find("syntax error"), std::string::npos) << bad.error().message;

  ASSERT_TRUE(db.exec("INSERT INTO t (k) VALUES (1)", "inserting").ok());
  auto duplicate = db.prepare("INSERT INTO t (k) VALUES (1)", "inserting a duplicate");
  ASSERT_TRUE(duplicate.ok());
  auto step = duplicate->step();
  ASSERT_FALSE(step.ok());
  EXPECT_EQ(step.error().message, "inserting a duplicate: UNIQUE constraint failed: t.k");
}

TEST(Transaction, RollsBackUnlessCommitted) {
  auto db = memory_db();
  {
    auto tx = store::Transaction::begin(db);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(db.exec("INSERT INTO t (k) VALUES (1)", "inserting").ok());
  }  // destroyed: rolled back
  EXPECT_EQ(*db.query_int64("SELECT count(*) FROM t", "counting"), 0);
  {
    auto tx = store::Transaction::begin(db);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(db.exec("INSERT INTO t (k) VALUES (2)", "inserting").ok());
    ASSERT_TRUE(tx->commit().ok());
    EXPECT_FALSE(tx->active());
    EXPECT_FALSE(tx->commit().ok());  // twice is an error, not a crash
  }
  EXPECT_EQ(*db.query_int64("SELECT count(*) FROM t", "counting"), 1);
}

TEST(Transaction, NestingIsAnError) {
  auto db = memory_db();
  auto outer = store::Transaction::begin(db);
  ASSERT_TRUE(outer.ok());
  auto inner = store::Transaction::begin(db);
  ASSERT_FALSE(inner.ok());
  EXPECT_NE(inner.error().message.find("starting a transaction: "), std::string::npos);
}

TEST(Transaction, MovedFromDoesNotRollBackTwice) {
  auto db = memory_db();
  auto tx = store::Transaction::begin(db);
  ASSERT_TRUE(tx.ok());
  store::Transaction moved = std::move(*tx);
  ASSERT_TRUE(db.exec("INSERT INTO t (k) VALUES (1)", "inserting").ok());
  ASSERT_TRUE(moved.commit().ok());
  EXPECT_EQ(*db.query_int64("SELECT count(*) FROM t", "counting"), 1);
}

}  // namespace
