// Copying an archive into another (`migrate --to`, store/archive_copy.hpp)
// between every pair of backends: each row as it was (generations, times,
// flags, bytes), a resumed copy writes nothing twice, a key holding other
// bytes stops it, and the fingerprint tells archives apart by any field.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "add_message.hpp"
#include "net/sha256.hpp"
#include "store/archive.hpp"
#include "store/archive_copy.hpp"
#include "support/postgres_server.hpp"

namespace {

using ::testing::HasSubstr;

enum class Backend { Sqlite, Postgres };
struct Pair {
  Backend from;
  Backend to;
};

std::string message(std::string_view subject, std::string_view body) {
  return "From: a@example.org\r\nSubject: " + std::string(subject) + "\r\n\r\n" + std::string(body) + "\r\n";
}

class ArchiveCopy : public ::testing::TestWithParam<Pair> {
 protected:
  void SetUp() override {
    from_.emplace(open(GetParam().from, "from"));
    to_.emplace(open(GetParam().to, "to"));
  }

  // One PostgreSQL database per test (the pair never needs two).
  store::Archive open(Backend backend, std::string_view /*role*/) {
    std::string database = ":memory:";
    if (backend == Backend::Postgres) {
      auto uri = test_support::fresh_postgres_database();
      EXPECT_TRUE(uri) << uri.error().message;
      if (uri) database = *uri;
    }
    auto opened = store::Archive::open(database);
    EXPECT_TRUE(opened) << opened.error().message;
    return std::move(*opened);
  }

  void add(std::string_view account, std::string_view uidl, std::string_view raw, std::int64_t at,
           store::AddFlags flags = {}) {
    auto added = store_test::add_message(*from_, account, uidl, raw, at, flags);
    ASSERT_TRUE(added) << added.error().message;
  }

  // Every kind of row: a reused UIDL (two generations), a short RETR with
  // its LIST size, a row deleted from the server, bytes no text column takes.
  void fill_source() {
    add("alice", "u1", message("first", "walrus"), 100);
    add("alice", "u1", message("second", "reused uidl"), 200);
    store::AddFlags short_retr;
    short_retr.short_retr = true;
    short_retr.listed_size = 4096;
    add("alice", "u2", message("short", "cut"), 300, short_retr);
    add("bob", "b1", std::string("Subject: bin\r\n\r\n\0\xff\x80 bytes\r\n", 27), 400);
    const std::vector<std::string> gone = {"b1"};
    ASSERT_TRUE(from_->mark_deleted("bob", gone, 450));
  }

  std::vector<store::AccountFingerprint> prints(store::Archive& archive) {
    auto p = store::fingerprint_archive(archive, net::sha256);
    EXPECT_TRUE(p) << p.error().message;
    return p ? *p : std::vector<store::AccountFingerprint>{};
  }

  std::optional<store::Archive> from_;
  std::optional<store::Archive> to_;
};

TEST_P(ArchiveCopy, EveryRowArrivesAsItWas) {
  fill_source();
  auto stats = store::copy_archive(*from_, *to_, net::sha256);
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->copied, 4);
  EXPECT_EQ(stats->already_there, 0);

  auto u1 = to_->copies("alice", "u1");
  ASSERT_TRUE(u1) << u1.error().message;
  ASSERT_EQ(u1->size(), 2U);
  EXPECT_EQ((*u1)[0].fetched_at, 100);
  EXPECT_EQ((*u1)[1].fetched_at, 200);
  auto u2 = to_->copies("alice", "u2");
  ASSERT_TRUE(u2 && u2->size() == 1U);
  EXPECT_TRUE((*u2)[0].short_retr);
  EXPECT_EQ((*u2)[0].listed_size, 4096);
  auto b1 = to_->copies("bob", "b1");
  ASSERT_TRUE(b1 && b1->size() == 1U);
  EXPECT_EQ((*b1)[0].deleted_at, 450);
  auto raw = to_->raw_message((*b1)[0].id);
  ASSERT_TRUE(raw && *raw);
  EXPECT_EQ(**raw, std::string("Subject: bin\r\n\r\n\0\xff\x80 bytes\r\n", 27));
  // The search index is built in the target too.
  auto found = to_->search("walrus", std::nullopt);
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_EQ(found->size(), 1U);

  const auto source = prints(*from_);
  ASSERT_EQ(source.size(), 2U);
  EXPECT_EQ(source[0].account, "alice");
  EXPECT_EQ(source[0].rows, 3);
  EXPECT_EQ(source, prints(*to_));
}

TEST_P(ArchiveCopy, ARunAfterAnInterruptedOneCopiesOnlyWhatIsMissing) {
  fill_source();
  store::CopyOptions one_per_batch;
  one_per_batch.rows_per_commit = 1;
  int commits = 0;
  one_per_batch.progress = [&](const store::CopyStats&) { ++commits; };
  ASSERT_TRUE(store::copy_archive(*from_, *to_, net::sha256, one_per_batch));
  EXPECT_EQ(commits, 4);
  add("carol", "c1", message("late", "arrived after the first run"), 500);
  add("alice", "u1", message("third", "reused again"), 600);

  auto again = store::copy_archive(*from_, *to_, net::sha256);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->copied, 2);
  EXPECT_EQ(again->already_there, 4);
  EXPECT_EQ(prints(*from_), prints(*to_));
}

TEST_P(ArchiveCopy, AKeyHoldingOtherBytesInTheTargetStopsTheCopy) {
  add("alice", "u1", message("mine", "source"), 100);
  ASSERT_TRUE(store_test::add_message(*to_, "alice", "u1", message("theirs", "target"), 100));
  auto stats = store::copy_archive(*from_, *to_, net::sha256);
  ASSERT_FALSE(stats);
  EXPECT_THAT(stats.error().message, HasSubstr("account 'alice', uidl 'u1', generation 0 already holds different"));
  auto u1 = to_->copies("alice", "u1");
  ASSERT_TRUE(u1);
  EXPECT_EQ(u1->size(), 1U);
}

TEST_P(ArchiveCopy, TheFingerprintTellsADeletionTimeApart) {
  add("alice", "u1", message("one", "x"), 100);
  ASSERT_TRUE(store::copy_archive(*from_, *to_, net::sha256));
  ASSERT_EQ(prints(*from_), prints(*to_));
  const std::vector<std::string> gone = {"u1"};
  ASSERT_TRUE(to_->mark_deleted("alice", gone, 999));
  const auto source = prints(*from_);
  const auto target = prints(*to_);
  ASSERT_EQ(source.size(), 1U);
  ASSERT_EQ(target.size(), 1U);
  EXPECT_EQ(source[0].rows, target[0].rows);
  EXPECT_EQ(source[0].bytes, target[0].bytes);
  EXPECT_NE(source[0].sha256_hex, target[0].sha256_hex);
}

std::string pair_name(const ::testing::TestParamInfo<Pair>& info) {
  auto name = [](Backend b) { return b == Backend::Sqlite ? std::string("Sqlite") : std::string("Postgres"); };
  return name(info.param.from) + "To" + name(info.param.to);
}

INSTANTIATE_TEST_SUITE_P(Backends, ArchiveCopy,
                         ::testing::Values(Pair{Backend::Sqlite, Backend::Sqlite},
                                           Pair{Backend::Sqlite, Backend::Postgres},
                                           Pair{Backend::Postgres, Backend::Sqlite}),
                         pair_name);

}  // namespace
