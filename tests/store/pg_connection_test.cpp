// The libpq layer (store/pg) against the private PostgreSQL of the tests:
// bytea round trips byte for byte, parameters are never SQL, transactions
// roll back unless committed, and no message ever shows a password.

#include <gtest/gtest.h>

#include <string>

#include "store/pg/connection.hpp"
#include "store/pg/conninfo.hpp"
#include "support/postgres_server.hpp"

namespace {

using store::pg::Bytes;
using store::pg::Connection;
using store::pg::Format;
using store::pg::Transaction;

TEST(PgConninfo, SelectsOnlyPostgresUris) {
  EXPECT_TRUE(store::pg::is_postgres_uri("postgresql://u@h/db"));
  EXPECT_TRUE(store::pg::is_postgres_uri("postgres:///db"));
  EXPECT_TRUE(store::pg::is_postgres_uri("PostgreSQL://h/db"));
  EXPECT_FALSE(store::pg::is_postgres_uri("/var/lib/popfetchd/archive.db"));
  EXPECT_FALSE(store::pg::is_postgres_uri("postgresql.db"));
  EXPECT_FALSE(store::pg::is_postgres_uri(":memory:"));
}

TEST(PgConninfo, MasksEveryPassword) {
  EXPECT_EQ(store::pg::sanitize_conninfo("postgresql://alice:s3cret@db.example/arch"),
            "postgresql://alice:***@db.example/arch");
  EXPECT_EQ(store::pg::sanitize_conninfo("postgres://alice:p@ss@h:5432/a?sslmode=require"),
            "postgres://alice:***@h:5432/a?sslmode=require");
  EXPECT_EQ(store::pg::sanitize_conninfo("postgresql:///a?user=bob&password=hunter2&sslmode=disable"),
            "postgresql:///a?user=bob&password=***&sslmode=disable");
  EXPECT_EQ(store::pg::sanitize_conninfo("host=h password='a b' dbname=x"), "host=h password=*** dbname=x");
  EXPECT_EQ(store::pg::sanitize_conninfo("postgresql://alice@h/a"), "postgresql://alice@h/a");
  EXPECT_EQ(store::pg::sanitize_conninfo("postgresql://h/a?host=/tmp/x"), "postgresql://h/a?host=/tmp/x");
}

TEST(PgConnection, FailureNamesTheServerButNeverThePassword) {
  auto conn = Connection::connect("postgresql://alice:topsecret@/nodb?host=/nonexistent-dir&connect_timeout=2");
  ASSERT_FALSE(conn);
  EXPECT_NE(conn.error().message.find("connecting to postgresql://alice:***@/nodb"), std::string::npos)
      << conn.error().message;
  EXPECT_EQ(conn.error().message.find("topsecret"), std::string::npos) << conn.error().message;
}

class PgConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto uri = test_support::fresh_postgres_database();
    ASSERT_TRUE(uri) << uri.error().message;
    auto conn = Connection::connect(*uri);
    ASSERT_TRUE(conn) << conn.error().message;
    conn_.emplace(std::move(*conn));
  }
  std::optional<Connection> conn_;
};

TEST_F(PgConnectionTest, ByteaRoundTripsEveryByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  all += std::string("\0\0\r\n.\r\n", 7);
  ASSERT_TRUE(conn_->exec("CREATE TABLE t (id bigint, raw bytea)", "creating"));
  ASSERT_TRUE(conn_->query("INSERT INTO t VALUES ($1, $2)", {std::int64_t{7}, Bytes{all}}, "inserting"));
  auto binary = conn_->query("SELECT id, raw, length(raw) FROM t", {}, "reading", Format::Binary);
  ASSERT_TRUE(binary) << binary.error().message;
  ASSERT_EQ(binary->rows(), 1);
  EXPECT_EQ(binary->int64(0, 0), 7);
  EXPECT_EQ(binary->bytes(0, 1), all);
  EXPECT_EQ(binary->int64(0, 2), static_cast<std::int64_t>(all.size()));
  auto text = conn_->query("SELECT id FROM t WHERE raw = $1", {Bytes{all}}, "finding");
  ASSERT_TRUE(text);
  ASSERT_EQ(text->rows(), 1);
  EXPECT_EQ(text->int64(0, 0), 7);
}

TEST_F(PgConnectionTest, ParametersAreValuesNotSql) {
  ASSERT_TRUE(conn_->exec("CREATE TABLE t (name text)", "creating"));
  const std::string evil = "x'); DROP TABLE t; --";
  ASSERT_TRUE(conn_->query("INSERT INTO t VALUES ($1)", {std::string_view(evil)}, "inserting"));
  auto rows = conn_->query("SELECT name FROM t WHERE name = $1", {std::string_view(evil)}, "reading");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->rows(), 1);
  EXPECT_EQ(rows->text(0, 0), evil);
  auto null = conn_->query("SELECT $1::bigint IS NULL", {std::nullopt}, "null");
  ASSERT_TRUE(null);
  EXPECT_EQ(null->text(0, 0), "t");
}

TEST_F(PgConnectionTest, TransactionRollsBackUnlessCommitted) {
  ASSERT_TRUE(conn_->exec("CREATE TABLE t (n bigint)", "creating"));
  {
    auto t = Transaction::begin(*conn_);
    ASSERT_TRUE(t);
    ASSERT_TRUE(conn_->query("INSERT INTO t VALUES (1)", {}, "inserting"));
  }
  {
    auto t = Transaction::begin(*conn_);
    ASSERT_TRUE(t);
    ASSERT_TRUE(conn_->query("INSERT INTO t VALUES (2)", {}, "inserting"));
    ASSERT_TRUE(t->commit());
  }
  auto rows = conn_->query("SELECT n FROM t", {}, "reading");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->rows(), 1);
  EXPECT_EQ(rows->int64(0, 0), 2);
}

TEST_F(PgConnectionTest, CommitOfAFailedTransactionIsAnError) {
  auto t = Transaction::begin(*conn_);
  ASSERT_TRUE(t);
  EXPECT_FALSE(conn_->exec("SELECT * FROM no_such_table", "failing"));
  auto committed = t->commit();
  ASSERT_FALSE(committed);
  EXPECT_NE(committed.error().message.find("rolled the transaction back"), std::string::npos);
}

TEST_F(PgConnectionTest, SessionCommitsSynchronously) {
  auto rows = conn_->query("SHOW synchronous_commit", {}, "reading");
  ASSERT_TRUE(rows);
  EXPECT_EQ(rows->text(0, 0), "on");
}

}  // namespace
