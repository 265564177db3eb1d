#include "store/archive.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "add_message.hpp"
#include "store/content_hash.hpp"

namespace {

store::Archive memory_archive() {
  auto archive = store::Archive::open(":memory:");
  EXPECT_TRUE(archive.ok()) << archive.error().message;
  return std::move(archive).value();
}

std::string message(std::string_view from, std::string_view subject, std::string_view body,
                    std::string_view date = "Mon, 1 Jan 2024 00:00:00 +0000") {
  return "From: " + std::string(from) + "\r\nTo: archive@example.com\r\nSubject: " + std::string(subject) +
         "\r\nDate: " + std::string(date) + "\r\nMessage-ID: <" + std::string(subject.substr(0, 3)) +
         "@example.com>\r\n\r\n" + std::string(body) + "\r\n";
}

// Is any copy of (account, uidl) stored?
bool stored(store::Archive& archive, std::string_view account, std::string_view uidl) {
  auto copies = archive.copies(account, uidl);
  EXPECT_TRUE(copies.ok()) << copies.error().message;
  return copies.ok() && !copies->empty();
}

// fetched_at of the newest copy not marked deleted, if any.
std::optional<std::int64_t> fetched_at(store::Archive& archive, std::string_view account, std::string_view uidl) {
  std::optional<std::int64_t> newest;
  auto copies = archive.copies(account, uidl);
  EXPECT_TRUE(copies.ok()) << copies.error().message;
  if (!copies.ok()) return newest;
  for (const store::StoredCopy& copy : *copies) {
    if (!copy.deleted_at) newest = copy.fetched_at;
  }
  return newest;
}

std::vector<std::int64_t> ids(const std::vector<store::MessageSummary>& rows) {
  std::vector<std::int64_t> out;
  for (const auto& row : rows) out.push_back(row.id);
  return out;
}

TEST(Archive, StoresAMessageOnce) {
  auto archive = memory_archive();
  const std::string raw = message("alice@example.com", "hello", "first");
  auto first = store_test::add_message(archive, "alice", "uid-1", raw, 100);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(*first, store::AddOutcome::Stored);
  auto second = store_test::add_message(archive, "alice", "uid-1", raw, 200);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, store::AddOutcome::AlreadyPresent);  // the same bytes: nothing new is written
  // The same UIDL on another account is another message.
  EXPECT_EQ(*store_test::add_message(archive, "bob", "uid-1", raw, 100), store::AddOutcome::Stored);

  auto rows = archive.list("alice");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].subject, "hello");  // the first copy is kept
  EXPECT_EQ((*rows)[0].fetched_at, 100);
  EXPECT_EQ(archive.list(std::nullopt)->size(), 2u);
}

TEST(Archive, CopiesSayWhatIsStoredAndWhen) {
  auto archive = memory_archive();
  ASSERT_TRUE(store_test::add_message(archive, "alice", "u1", message("a@example.com", "s", "b"), 1000).ok());
  EXPECT_TRUE(stored(archive, "alice", "u1"));
  EXPECT_FALSE(stored(archive, "alice", "u2"));
  EXPECT_FALSE(stored(archive, "bob", "u1"));
  EXPECT_EQ(fetched_at(archive, "alice", "u1"), 1000);
  EXPECT_EQ(fetched_at(archive, "alice", "u2"), std::nullopt);
}

TEST(Archive, RawRoundTripIsByteExact) {
  auto archive = memory_archive();
  std::string raw = "Subject: binary\r\n\r\n";
  for (int i = 0; i < 256; ++i) raw += static_cast<char>(i);
  raw += std::string("\0\0\r\n.\r\n\xff", 8);
  ASSERT_TRUE(store_test::add_message(archive, "alice", "bin", raw, 1).ok());
  ASSERT_TRUE(store_test::add_message(archive, "alice", "empty", "", 1).ok());

  std::vector<std::string> seen;
  auto status =
      archive.for_each_message("alice", [&](const store::MessageSummary& m, std::string_view bytes) {
        EXPECT_EQ(m.size, static_cast<std::int64_t>(bytes.size()));
        seen.emplace_back(bytes);
        return common::Status{};
      });
  ASSERT_TRUE(status.ok()) << status.error().message;
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], raw);
  EXPECT_EQ(seen[1], "");
}

TEST(Archive, UnparseableHeadersStillStoreTheMessage) {
  auto archive = memory_archive();
  const std::string garbage("\xff\xfe\0\r\n\r\n\x01", 7);
  ASSERT_EQ(*store_test::add_message(archive, "alice", "g", garbage, 5), store::AddOutcome::Stored);
  auto rows = archive.list("alice");
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].subject, "");
  EXPECT_EQ((*rows)[0].from, "");
  EXPECT_EQ((*rows)[0].date, std::nullopt);
  EXPECT_EQ((*rows)[0].size, 7);
}

TEST(Archive, RejectsEmptyAccountOrUidl) {
  auto archive = memory_archive();
  EXPECT_FALSE(store_test::add_message(archive, "", "u", "x", 1).ok());
  EXPECT_FALSE(store_test::add_message(archive, "a", "", "x", 1).ok());
}

TEST(Archive, BatchCommitsAllOrNothing) {
  auto archive = memory_archive();
  {
    auto batch = archive.begin_batch();
    ASSERT_TRUE(batch.ok()) << batch.error().message;
    ASSERT_TRUE(batch->add_message("alice", "a", message("a@x.org", "one", "b"), 1).ok());
    ASSERT_TRUE(batch->add_message("alice", "b", message("a@x.org", "two", "b"), 1).ok());
    EXPECT_TRUE(stored(archive, "alice", "a"));  // visible inside the transaction
  }                                                // destroyed without commit: rolled back
  EXPECT_FALSE(stored(archive, "alice", "a"));
  EXPECT_FALSE(stored(archive, "alice", "b"));
  EXPECT_TRUE(archive.search("one", std::nullopt)->empty());  // the index rolled back too

  auto batch = archive.begin_batch();
  ASSERT_TRUE(batch.ok());
  ASSERT_TRUE(batch->add_message("alice", "a", message("a@x.org", "one", "b"), 1).ok());
  EXPECT_EQ(*batch->add_message("alice", "a", message("a@x.org", "one", "b"), 1),
            store::AddOutcome::AlreadyPresent);
  ASSERT_TRUE(batch->commit().ok());
  EXPECT_TRUE(stored(archive, "alice", "a"));
  EXPECT_FALSE(batch->add_message("alice", "c", "x", 1).ok());  // after commit: an error, not a crash
  EXPECT_FALSE(batch->commit().ok());
}

TEST(Archive, OneBatchAtATime) {
  auto archive = memory_archive();
  auto first = archive.begin_batch();
  ASSERT_TRUE(first.ok());
  auto second = archive.begin_batch();
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().kind, common::ErrorKind::Storage);
  EXPECT_FALSE(store_test::add_message(archive, "alice", "x", "x", 1).ok());
  const std::vector<std::string> uidls = {"x"};
  EXPECT_FALSE(archive.mark_deleted("alice", uidls, 1).ok());
  ASSERT_TRUE(first->commit().ok());
  EXPECT_TRUE(archive.begin_batch().ok());
}

TEST(Archive, MarkDeleted) {
  auto archive = memory_archive();
  ASSERT_TRUE(store_test::add_message(archive, "alice", "old", "Subject: a\r\n\r\n", 100).ok());
  ASSERT_TRUE(store_test::add_message(archive, "alice", "older", "Subject: a\r\n\r\n", 50).ok());
  ASSERT_TRUE(store_test::add_message(archive, "alice", "new", "Subject: b\r\n\r\n", 1000).ok());
  ASSERT_TRUE(store_test::add_message(archive, "bob", "old", "Subject: c\r\n\r\n", 100).ok());

  const std::vector<std::string> uidls = {"old", "missing", "older"};
  auto marked = archive.mark_deleted("alice", uidls, 2000);
  ASSERT_TRUE(marked.ok()) << marked.error().message;
  EXPECT_EQ(*marked, 2);
  EXPECT_EQ(*archive.mark_deleted("alice", uidls, 3000), 0);  // already marked: first time wins

  EXPECT_EQ(fetched_at(archive, "alice", "old"), std::nullopt);
  EXPECT_EQ((*archive.copies("alice", "old"))[0].deleted_at, 2000);
  EXPECT_EQ((*archive.copies("alice", "older"))[0].deleted_at, 2000);
  EXPECT_EQ((*archive.copies("alice", "new"))[0].deleted_at, std::nullopt);
  EXPECT_TRUE(stored(archive, "alice", "old"));    // still archived, and never fetched again
  EXPECT_EQ(fetched_at(archive, "bob", "old"), 100);  // other accounts untouched

  auto rows = archive.list("alice");
  ASSERT_TRUE(rows.ok());
  for (const auto& row : *rows) {
    if (row.uidl == "new") {
      EXPECT_EQ(row.deleted_at, std::nullopt);
    } else {
      EXPECT_EQ(row.deleted_at, 2000) << row.uidl;
    }
  }
}

TEST(Archive, ListIsNewestFirstWithLimitAndAccount) {
  auto archive = memory_archive();
  ASSERT_TRUE(
      store_test::add_message(archive, "alice", "1", message("Alice <a@x.org>", "first", "b"), 10).ok());
  ASSERT_TRUE(store_test::add_message(archive, "bob", "2", message("Bob <b@x.org>", "second", "b"), 20).ok());
  ASSERT_TRUE(
      store_test::add_message(archive, "alice", "3", message("Alice <a@x.org>", "third", "b"), 30).ok());

  auto all = archive.list(std::nullopt);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(ids(*all), (std::vector<std::int64_t>{3, 2, 1}));
  EXPECT_EQ(ids(*archive.list(std::nullopt, 2)), (std::vector<std::int64_t>{3, 2}));
  EXPECT_EQ(ids(*archive.list("alice")), (std::vector<std::int64_t>{3, 1}));
  EXPECT_EQ(ids(*archive.list("alice", 1)), (std::vector<std::int64_t>{3}));
  EXPECT_TRUE(archive.list("nobody")->empty());

  const auto& row = (*all)[1];
  EXPECT_EQ(row.account, "bob");
  EXPECT_EQ(row.uidl, "2");
  EXPECT_EQ(row.from, "Bob <b@x.org>");
  EXPECT_EQ(row.subject, "second");
  EXPECT_EQ(row.date, 1704067200);
  EXPECT_EQ(row.fetched_at, 20);
  EXPECT_GT(row.size, 0);
}

TEST(Archive, SearchFindsHeadersAndBody) {
  auto archive = memory_archive();
  ASSERT_TRUE(store_test::add_message(archive, "alice", "1",
                                      message("Alice <alice@example.com>", "Invoice March", "pay soon"), 1)
                  .ok());
  ASSERT_TRUE(store_test::add_message(archive, "alice", "2",
                                      message("Bob <bob@example.com>", "Lunch", "the invoice is attached"), 2)
                  .ok());
  ASSERT_TRUE(
      store_test::add_message(
          archive, "bob", "3",
          message("Carol <carol@example.com>", "=?UTF-8?Q?Caf=C3=A9_Gr=C3=BC=C3=9Fe?=", "m\xc3\xbcsli"), 3)
          .ok());

  auto invoice = archive.search("invoice", std::nullopt);
  ASSERT_TRUE(invoice.ok()) << invoice.error().message;
  EXPECT_EQ(invoice->size(), 2u);
  EXPECT_EQ(ids(*archive.search("subject:invoice", std::nullopt)), (std::vector<std::int64_t>{1}));
  EXPECT_EQ(ids(*archive.search("from:bob", std::nullopt)), (std::vector<std::int64_t>{2}));
  EXPECT_EQ(ids(*archive.search("\"bob@example.com\"", std::nullopt)), (std::vector<std::int64_t>{2}));
  EXPECT_EQ(ids(*archive.search("pay AND soon", std::nullopt)), (std::vector<std::int64_t>{1}));
  EXPECT_EQ(ids(*archive.search("invoice NOT attached", std::nullopt)), (std::vector<std::int64_t>{1}));
  EXPECT_EQ(ids(*archive.search("inv*", "alice", 1)).size(), 1u);
  EXPECT_TRUE(archive.search("invoice", "bob")->empty());
  // Decoded subjects and bodies, diacritics folded.
  EXPECT_EQ(ids(*archive.search("cafe", std::nullopt)), (std::vector<std::int64_t>{3}));
  EXPECT_EQ(ids(*archive.search("musli", "bob")), (std::vector<std::int64_t>{3}));
  EXPECT_TRUE(archive.search("zebra", std::nullopt)->empty());
}

TEST(Archive, MalformedSearchIsAClearError) {
  auto archive = memory_archive();
  ASSERT_TRUE(store_test::add_message(archive, "alice", "1", message("a@x.org", "s", "b"), 1).ok());
  for (const char* query : {"alice@example.com", "\"unterminated", "AND", "(", "nosuchcolumn:x"}) {
    auto result = archive.search(query, std::nullopt);
    ASSERT_FALSE(result.ok()) << query;
    EXPECT_EQ(result.error().kind, common::ErrorKind::Storage);
    EXPECT_EQ(result.error().message.rfind("search query \"", 0), 0u) << result.error().message;
  }
  // The archive still works afterwards.
  EXPECT_EQ(archive.search("s", std::nullopt)->size(), 1u);
}

TEST(Archive, ForEachStopsAtTheFirstError) {
  auto archive = memory_archive();
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(store_test::add_message(archive, "a", std::to_string(i), "x", 1).ok());
  int visited = 0;
  auto status = archive.for_each_message(std::nullopt, [&](const store::MessageSummary&, std::string_view) {
    if (++visited == 2) return common::Status(common::make_error(common::ErrorKind::Io, "disk full"));
    return common::Status{};
  });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message, "disk full");
  EXPECT_EQ(visited, 2);
}

TEST(Archive, Totals) {
  auto archive = memory_archive();
  EXPECT_TRUE(archive.totals()->empty());
  ASSERT_TRUE(store_test::add_message(archive, "bob", "1", "12345", 1).ok());
  ASSERT_TRUE(store_test::add_message(archive, "alice", "1", "123", 1).ok());
  ASSERT_TRUE(store_test::add_message(archive, "alice", "2", "1234567", 1).ok());
  auto totals = archive.totals();
  ASSERT_TRUE(totals.ok());
  ASSERT_EQ(totals->size(), 2u);
  EXPECT_EQ((*totals)[0].account, "alice");
  EXPECT_EQ((*totals)[0].messages, 2);
  EXPECT_EQ((*totals)[0].bytes, 10);
  EXPECT_EQ((*totals)[1].account, "bob");
  EXPECT_EQ((*totals)[1].messages, 1);
  EXPECT_EQ((*totals)[1].bytes, 5);
}

TEST(ContentHash, FormatsTheCallersDigest) {
  const auto fake_sha256 = [](std::string_view data) {
    store::Sha256Digest digest{};
    digest[0] = static_cast<std::uint8_t>(data.size());
    digest[31] = 0xab;
    return digest;
  };
  EXPECT_EQ(store::content_hash_uidl("abc", fake_sha256),
            "sha256:03000000000000000000000000000000000000000000000000000000000000ab");
}

}  // namespace
