// The archive's shared behaviour, run against both backends: SQLite
// (":memory:") and PostgreSQL (a fresh database on the tests' private server,
// support/postgres_server.hpp). What only one backend does has its own tests.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "add_message.hpp"
#include "store/archive.hpp"
#include "support/postgres_server.hpp"

namespace {

enum class Backend { Sqlite, Postgres };

std::string message(std::string_view from, std::string_view subject, std::string_view body) {
  return "From: " + std::string(from) + "\r\nTo: archive@example.com\r\nSubject: " + std::string(subject) +
         "\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\n" + std::string(body) + "\r\n";
}

std::vector<std::int64_t> ids(const common::Result<std::vector<store::MessageSummary>>& rows) {
  EXPECT_TRUE(rows.ok()) << rows.error().message;
  std::vector<std::int64_t> out;
  if (!rows.ok()) return out;
  for (const auto& row : *rows) out.push_back(row.id);
  return out;
}

class ArchiveBackends : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    std::string database = ":memory:";
    if (GetParam() == Backend::Postgres) {
      auto uri = test_support::fresh_postgres_database();
      ASSERT_TRUE(uri) << uri.error().message;
      database = *uri;
    }
    auto opened = store::Archive::open(database);
    ASSERT_TRUE(opened) << opened.error().message;
    archive_.emplace(std::move(*opened));
  }

  store::Archive& archive() { return *archive_; }
  common::Result<store::AddOutcome> add(std::string_view account, std::string_view uidl, std::string_view raw,
                                        std::int64_t at, store::AddFlags flags = {}) {
    return store_test::add_message(*archive_, account, uidl, raw, at, flags);
  }

  std::optional<store::Archive> archive_;
};

TEST_P(ArchiveBackends, StoresOnceAndANewGenerationForOtherBytes) {
  auto first = add("alice", "u1", message("a@x.org", "one", "body"), 10);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(*first, store::AddOutcome::Stored);
  EXPECT_EQ(*add("alice", "u1", message("a@x.org", "one", "body"), 11), store::AddOutcome::AlreadyPresent);
  EXPECT_EQ(*add("bob", "u1", message("a@x.org", "one", "body"), 12), store::AddOutcome::Stored);
  // The server reused the UIDL for other bytes: kept as the next generation.
  EXPECT_EQ(*add("alice", "u1", message("a@x.org", "two", "other"), 13), store::AddOutcome::Stored);
  auto copies = archive().copies("alice", "u1");
  ASSERT_TRUE(copies) << copies.error().message;
  ASSERT_EQ(copies->size(), 2u);
  EXPECT_EQ((*copies)[0].fetched_at, 10);
  EXPECT_EQ((*copies)[1].fetched_at, 13);
  EXPECT_TRUE(archive().copies("alice", "none")->empty());
}

TEST_P(ArchiveBackends, ShortRetrIsClearedByAFullCopy) {
  store::AddFlags short_flags;
  short_flags.short_retr = true;
  short_flags.listed_size = 500;
  ASSERT_TRUE(add("alice", "u", "Subject: s\r\n\r\nx\r\n", 1, short_flags));
  auto copies = archive().copies("alice", "u");
  ASSERT_TRUE(copies && copies->size() == 1u);
  EXPECT_TRUE((*copies)[0].short_retr);
  EXPECT_EQ((*copies)[0].listed_size, 500);
  store::AddFlags full;
  full.listed_size = 16;
  EXPECT_EQ(*add("alice", "u", "Subject: s\r\n\r\nx\r\n", 2, full), store::AddOutcome::AlreadyPresent);
  copies = archive().copies("alice", "u");
  EXPECT_FALSE((*copies)[0].short_retr);
  EXPECT_EQ((*copies)[0].listed_size, 16);
}

TEST_P(ArchiveBackends, UncommittedBatchLeavesNothing) {
  {
    auto batch = archive().begin_batch();
    ASSERT_TRUE(batch);
    ASSERT_TRUE(batch->add_message("alice", "u", message("a@x.org", "gone", "b"), 1));
    EXPECT_FALSE(archive().begin_batch()) << "one batch at a time";
  }
  EXPECT_TRUE(archive().copies("alice", "u")->empty());
  EXPECT_TRUE(archive().search("gone", std::nullopt)->empty());
  EXPECT_TRUE(add("alice", "u", message("a@x.org", "kept", "b"), 1));
}

TEST_P(ArchiveBackends, RawIsByteExact) {
  std::string raw = "Subject: binary\r\n\r\n";
  for (int i = 0; i < 256; ++i) raw += static_cast<char>(i);
  raw += std::string("\0\0\r\n.\r\n\xff", 8);
  ASSERT_TRUE(add("alice", "bin", raw, 1));
  ASSERT_TRUE(add("alice", "empty", "", 2));
  std::vector<std::string> seen;
  auto status = archive().for_each_message("alice", [&](const store::MessageSummary& m, std::string_view bytes) {
    EXPECT_EQ(m.size, static_cast<std::int64_t>(bytes.size()));
    seen.emplace_back(bytes);
    return common::Status{};
  });
  ASSERT_TRUE(status) << status.error().message;
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], raw);
  EXPECT_EQ(seen[1], "");
  auto id = archive().list("alice", 1);
  ASSERT_TRUE(id);
  auto list_all = archive().list("alice");
  const std::int64_t bin_id = (*list_all)[1].id;
  EXPECT_EQ(archive().raw_message(bin_id)->value(), raw);
  EXPECT_EQ(*archive().header_block(bin_id), "Subject: binary\r\n\r\n");
  EXPECT_FALSE(archive().raw_message(999999)->has_value());
}

TEST_P(ArchiveBackends, MarkDeletedOnlyOnce) {
  ASSERT_TRUE(add("alice", "1", "a", 1));
  ASSERT_TRUE(add("alice", "2", "b", 1));
  const std::vector<std::string> uidls = {"1", "2", "unknown"};
  EXPECT_EQ(*archive().mark_deleted("alice", uidls, 50), 2);
  EXPECT_EQ(*archive().mark_deleted("alice", uidls, 60), 0);
  EXPECT_EQ((*archive().copies("alice", "1"))[0].deleted_at, 50);
}

TEST_P(ArchiveBackends, ListIsNewestFirstWithLimitAndAccount) {
  ASSERT_TRUE(add("alice", "1", message("Alice <a@x.org>", "first", "b"), 10));
  ASSERT_TRUE(add("bob", "2", message("Bob <b@x.org>", "second", "b"), 20));
  ASSERT_TRUE(add("alice", "3", message("Alice <a@x.org>", "third", "b"), 30));
  EXPECT_EQ(ids(archive().list(std::nullopt)), (std::vector<std::int64_t>{3, 2, 1}));
  EXPECT_EQ(ids(archive().list(std::nullopt, 2)), (std::vector<std::int64_t>{3, 2}));
  EXPECT_EQ(ids(archive().list("alice")), (std::vector<std::int64_t>{3, 1}));
  EXPECT_EQ(ids(archive().list("alice", 1)), (std::vector<std::int64_t>{3}));
  const auto row = (*archive().list(std::nullopt))[1];
  EXPECT_EQ(row.account, "bob");
  EXPECT_EQ(row.from, "Bob <b@x.org>");
  EXPECT_EQ(row.subject, "second");
  EXPECT_EQ(row.date, 1704067200);
  EXPECT_EQ(row.fetched_at, 20);
}

TEST_P(ArchiveBackends, SearchAcceptsTheSameForms) {
  ASSERT_TRUE(add("alice", "1", message("Alice <alice@example.com>", "Invoice March", "pay soon"), 1));
  ASSERT_TRUE(add("alice", "2", message("Bob <bob@example.com>", "Lunch", "the invoice is attached"), 2));
  ASSERT_TRUE(add("bob", "3", message("Carol <carol@example.com>", "=?UTF-8?Q?Caf=C3=A9?=", "m\xc3\xbcsli"), 3));
  auto q = [&](std::string_view query, std::optional<std::string_view> account = std::nullopt) {
    auto rows = ids(archive().search(query, account));
    std::sort(rows.begin(), rows.end());
    return rows;
  };
  using V = std::vector<std::int64_t>;
  EXPECT_EQ(q("invoice"), (V{1, 2}));
  EXPECT_EQ(q("subject:invoice"), (V{1}));
  EXPECT_EQ(q("from:bob"), (V{2}));
  EXPECT_EQ(q("to:archive"), (V{1, 2, 3}));
  EXPECT_EQ(q("\"bob@example.com\""), (V{2}));
  EXPECT_EQ(q("\"invoice is\""), (V{2}));
  EXPECT_EQ(q("\"is invoice\""), (V{}));
  EXPECT_EQ(q("pay AND soon"), (V{1}));
  EXPECT_EQ(q("pay soon"), (V{1}));
  EXPECT_EQ(q("lunch OR march"), (V{1, 2}));
  EXPECT_EQ(q("invoice NOT attached"), (V{1}));
  EXPECT_EQ(q("inv*"), (V{1, 2}));
  EXPECT_EQ(q("subject:(lunch OR caf*)"), (V{2, 3}));
  EXPECT_EQ(q("invoice", "bob"), (V{}));
  EXPECT_EQ(q("cafe"), (V{3}));
  EXPECT_EQ(q("musli", "bob"), (V{3}));
  EXPECT_EQ(q("zebra"), (V{}));
  EXPECT_EQ(*archive().count_matches("invoice", std::nullopt), 2);
  EXPECT_EQ(*archive().count_matches("invoice", "alice"), 2);
  EXPECT_EQ(archive().search("invoice", std::nullopt, 1)->size(), 1u);
}

TEST_P(ArchiveBackends, MalformedSearchIsAClearError) {
  ASSERT_TRUE(add("alice", "1", message("a@x.org", "s", "b"), 1));
  for (const char* query : {"alice@example.com", "\"unterminated", "AND", "(", "nosuchcolumn:x"}) {
    auto result = archive().search(query, std::nullopt);
    ASSERT_FALSE(result.ok()) << query;
    EXPECT_EQ(result.error().kind, common::ErrorKind::Storage);
    EXPECT_EQ(result.error().message.rfind("search query \"", 0), 0u) << result.error().message;
  }
  EXPECT_EQ(archive().search("s", std::nullopt)->size(), 1u);
}

TEST_P(ArchiveBackends, TotalsPerAccount) {
  ASSERT_TRUE(add("bob", "1", "12345", 1));
  ASSERT_TRUE(add("alice", "1", "123", 1));
  ASSERT_TRUE(add("alice", "2", "1234567", 1));
  auto totals = archive().totals();
  ASSERT_TRUE(totals) << totals.error().message;
  ASSERT_EQ(totals->size(), 2u);
  EXPECT_EQ((*totals)[0].account, "alice");
  EXPECT_EQ((*totals)[0].messages, 2);
  EXPECT_EQ((*totals)[0].bytes, 10);
  EXPECT_EQ((*totals)[1].bytes, 5);
}

TEST_P(ArchiveBackends, ReadTransactionBlocksBatchesUntilItEnds) {
  ASSERT_TRUE(add("alice", "1", "a", 1));
  {
    auto read = archive().read_transaction();
    EXPECT_EQ(archive().copies("alice", "1")->size(), 1u);
    EXPECT_FALSE(archive().begin_batch());
  }
  EXPECT_TRUE(add("alice", "2", "b", 1));
}

TEST_P(ArchiveBackends, ReopeningKeepsTheSchemaAndTheMessages) {
  ASSERT_TRUE(add("alice", "1", "a", 1));
  if (GetParam() == Backend::Sqlite) GTEST_SKIP() << "an in-memory SQLite archive does not outlive its connection";
  auto again = store::Archive::open(archive().path().find("***") == std::string::npos ? archive().path() : "");
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->copies("alice", "1")->size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Both, ArchiveBackends, ::testing::Values(Backend::Sqlite, Backend::Postgres),
                         [](const auto& info) { return info.param == Backend::Sqlite ? "Sqlite" : "Postgres"; });

}  // namespace
