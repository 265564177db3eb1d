// What only the PostgreSQL archive does: its schema versioning, the text
// columns' limits, the query translation, and the features it refuses for now.

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "add_message.hpp"
#include "store/archive.hpp"
#include "store/delivery_log.hpp"
#include "store/pg_schema.hpp"
#include "store/pg_search.hpp"
#include "support/postgres_server.hpp"

namespace {

// The database name in a fixture URI "postgresql:///<name>?host=...".
std::string name_of(const std::string& uri) {
  const std::size_t start = uri.find("///") + 3;
  return uri.substr(start, uri.find('?') - start);
}

struct FreshDatabase {
  std::string uri;
  std::string name;
};

FreshDatabase fresh() {
  auto uri = test_support::fresh_postgres_database();
  EXPECT_TRUE(uri) << uri.error().message;
  return uri ? FreshDatabase{*uri, name_of(*uri)} : FreshDatabase{};
}

TEST(PgSearchQuery, TranslatesTheFts5Forms) {
  EXPECT_EQ(*store::pg_tsquery("invoice"), "'invoice'");
  EXPECT_EQ(*store::pg_tsquery("a b"), "('a' & 'b')");
  EXPECT_EQ(*store::pg_tsquery("a OR b c"), "('a' | ('b' & 'c'))");
  EXPECT_EQ(*store::pg_tsquery("a NOT b"), "('a' & !'b')");
  EXPECT_EQ(*store::pg_tsquery("inv*"), "'inv':*");
  EXPECT_EQ(*store::pg_tsquery("from:alice"), "'alice':A");
  EXPECT_EQ(*store::pg_tsquery("subject:inv*"), "'inv':*C");
  EXPECT_EQ(*store::pg_tsquery("\"bob@example.com\""), "('bob' <-> 'example' <-> 'com')");
  EXPECT_EQ(*store::pg_tsquery("to:(x OR y)"), "('x':B | 'y':B)");
  EXPECT_EQ(*store::pg_tsquery("Caf\xc3\xa9"), "'Cafe'");
  for (const char* bad : {"", "a OR", "NOT", "\"", "x:y", "a)", "(a", "a@b", "\"...\""}) {
    auto q = store::pg_tsquery(bad);
    EXPECT_FALSE(q) << bad << " -> " << (q ? *q : "");
  }
}

TEST(PgArchive, RefusesANewerSchema) {
  const FreshDatabase db = fresh();
  ASSERT_TRUE(store::Archive::open(db.uri));
  ASSERT_TRUE(test_support::shared_postgres()->psql(db.name, "UPDATE schema_version SET version = 99"));
  auto again = store::Archive::open(db.uri);
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("newer than this popfetchd supports"), std::string::npos)
      << again.error().message;
}

TEST(PgArchive, RefusesADatabaseThatIsNotAnArchive) {
  const FreshDatabase db = fresh();
  ASSERT_TRUE(test_support::shared_postgres()->psql(db.name, "CREATE TABLE messages (x int)"));
  auto opened = store::Archive::open(db.uri);
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.error().message.find("is not a popfetchd archive"), std::string::npos)
      << opened.error().message;
}

TEST(PgArchive, RecordsItsSchemaVersionOnce) {
  const FreshDatabase db = fresh();
  ASSERT_TRUE(store::Archive::open(db.uri));
  ASSERT_TRUE(store::Archive::open(db.uri)) << "opening again migrates nothing";
  auto version = test_support::shared_postgres()->psql(db.name, "SELECT version FROM schema_version");
  ASSERT_TRUE(version);
  EXPECT_EQ(*version, std::to_string(store::kPgSchemaVersion) + "\n");
}

// Several daemons started together on a new database each migrate it: every
// one must open it, whichever creates the tables (a daemon once failed on
// "relation messages already exists").
TEST(PgArchive, DaemonsOpeningANewDatabaseTogetherAllOpenIt) {
  for (int round = 0; round < 8; ++round) {
    auto uri = test_support::fresh_postgres_database();
    ASSERT_TRUE(uri) << uri.error().message;
    std::vector<std::string> errors(4);
    std::vector<std::thread> openers;
    for (std::size_t i = 0; i < errors.size(); ++i) {
      openers.emplace_back([&, i] {
        auto archive = store::Archive::open(*uri);
        if (!archive) errors[i] = archive.error().message;
      });
    }
    for (auto& opener : openers) opener.join();
    for (const std::string& error : errors) EXPECT_EQ(error, "") << "round " << round;
  }
}

TEST(PgArchive, HeadersWithNulAndBadUtf8AreStoredWithTheirRawExact) {
  const FreshDatabase db = fresh();
  auto archive = store::Archive::open(db.uri);
  ASSERT_TRUE(archive) << archive.error().message;
  const std::string raw = std::string("From: a\0b \xff\xfe <x@y.org>\r\nSubject: \xc3(\0\r\n\r\nbody \xff\r\n", 45);
  auto stored = store_test::add_message(*archive, "alice", "u", raw, 1);
  ASSERT_TRUE(stored) << stored.error().message;
  auto list = archive->list("alice");
  ASSERT_TRUE(list && list->size() == 1u);
  EXPECT_EQ(archive->raw_message((*list)[0].id)->value(), raw);
}

TEST(PgArchive, AUidlThatIsNotUtf8IsAClearError) {
  const FreshDatabase db = fresh();
  auto archive = store::Archive::open(db.uri);
  ASSERT_TRUE(archive);
  auto stored = store_test::add_message(*archive, "alice", "u\xff", "x", 1);
  ASSERT_FALSE(stored);
  EXPECT_NE(stored.error().message.find("UIDL is not valid UTF-8"), std::string::npos) << stored.error().message;
}

TEST(PgArchive, DeliveryBookkeepingIsNotYetSupported) {
  const FreshDatabase db = fresh();
  auto archive = store::Archive::open(db.uri);
  ASSERT_TRUE(archive);
  store::DeliveryLog log(*archive);
  // An account without targets needs no delivery tables.
  EXPECT_TRUE(log.set_targets("alice", {}, 1));
  ASSERT_TRUE(log.totals());
  EXPECT_TRUE(log.totals()->empty());
  const std::vector<std::string> keys = {"maildir:/x"};
  auto refused = log.set_targets("alice", keys, 1);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("not yet supported with a PostgreSQL archive"), std::string::npos);
  auto due = log.due("alice", "maildir:/x", 1, 10);
  ASSERT_FALSE(due);
  EXPECT_NE(due.error().message.find("not yet supported with a PostgreSQL archive"), std::string::npos);
}

TEST(PgArchive, ImportFindsTheSameBytesUnderAnyUidl) {
  const FreshDatabase db = fresh();
  auto archive = store::Archive::open(db.uri);
  ASSERT_TRUE(archive);
  ASSERT_TRUE(store_test::add_message(*archive, "alice", "u1", "Subject: x\r\n\r\nb\r\n", 1));
  auto sha = [](std::string_view) { return store::Sha256Digest{}; };
  auto batch = archive->begin_batch();
  ASSERT_TRUE(batch);
  EXPECT_EQ(*batch->add_imported("alice", "Subject: x\r\n\r\nb\r\n", 2, sha), store::AddOutcome::AlreadyPresent);
  EXPECT_EQ(*batch->add_imported("alice", "Subject: y\r\n\r\nb\r\n", 2, sha), store::AddOutcome::Stored);
  ASSERT_TRUE(batch->commit());
  EXPECT_EQ(archive->list("alice")->size(), 2u);
}

TEST(PgArchive, ARestartedServerCostsOneCallNotTheArchive) {
  auto own = test_support::PostgresServer::start();
  ASSERT_TRUE(own) << own.error().message;
  auto uri = own->create_database("restarted");
  ASSERT_TRUE(uri) << uri.error().message;
  auto archive = store::Archive::open(*uri);
  ASSERT_TRUE(archive) << archive.error().message;
  ASSERT_TRUE(store_test::add_message(*archive, "alice", "1", "a", 1));
  ASSERT_TRUE(own->stop());
  EXPECT_FALSE(store_test::add_message(*archive, "alice", "2", "b", 2)) << "stored with the server stopped";
  ASSERT_TRUE(own->start_again());
  auto stored = store_test::add_message(*archive, "alice", "2", "b", 2);
  ASSERT_TRUE(stored) << stored.error().message;
  EXPECT_EQ(archive->list("alice")->size(), 2u);
}

}  // namespace
