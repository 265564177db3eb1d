// ListingPlan and the deletion rule without a socket: LIST and UIDL lines go
// in, an in-memory archive answers the lookups, the plan comes out.

#include "fetch/listing_plan.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "fetch/deletion_rule.hpp"

namespace fetch {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t kNow = 1'800'000'000;
constexpr std::int64_t kDay = 86'400;

class MapLookup final : public ArchiveLookup {
 public:
  common::Result<std::vector<store::StoredCopy>> copies(std::string_view uidl) override {
    ++lookups;
    if (fail) return common::make_error(common::ErrorKind::Storage, "disk on fire");
    auto it = stored.find(std::string(uidl));
    if (it == stored.end()) return std::vector<store::StoredCopy>{};
    return it->second;
  }
  // One whole copy of `uidl`: `size` bytes, fetched `age` seconds before kNow.
  void store(const std::string& uidl, std::int64_t size, std::int64_t age = 0) {
    store::StoredCopy copy;
    copy.id = next_id++;
    copy.size = size;
    copy.fetched_at = kNow - age;
    stored[uidl].push_back(copy);
  }
  store::StoredCopy& last(const std::string& uidl) { return stored[uidl].back(); }

  std::map<std::string, std::vector<store::StoredCopy>> stored;
  std::int64_t next_id = 1;
  int lookups = 0;
  bool fail = false;
};

config::Account keep_account() {
  config::Account account;
  account.name = "alice";
  account.keep = true;
  account.max_message_size = 1000;
  return account;
}

config::Account delete_account() {
  config::Account account = keep_account();
  account.keep = false;
  return account;
}

// Runs a listing: `sizes` are LIST sizes of messages 1..n, `uidls` their UIDLs
// (none: the server has no UIDL).
struct Listing {
  std::vector<std::uint64_t> sizes;
  std::vector<std::string> uidls;
};

common::Result<Plan> plan_for(const config::Account& account, ArchiveLookup& lookup, const Listing& listing,
                              std::size_t max_messages = 100) {
  ListingPlan plan(account, max_messages, kNow, lookup);
  for (std::uint32_t i = 0; i < listing.sizes.size(); ++i) {
    if (auto s = plan.add(pop3::ListEntry{i + 1, listing.sizes[i]}); !s) return s.error();
  }
  for (std::uint32_t i = 0; i < listing.uidls.size(); ++i) {
    if (auto s = plan.add(pop3::UidlEntry{i + 1, listing.uidls[i]}); !s) return s.error();
  }
  return plan.finish(!listing.uidls.empty());
}

std::vector<std::uint32_t> msgnos(const std::vector<Listed>& listed) {
  std::vector<std::uint32_t> out;
  for (const Listed& m : listed) out.push_back(m.msgno);
  return out;
}

TEST(ListingPlan, NewMessagesAreRetrievedInMsgnoOrder) {
  MapLookup lookup;
  lookup.store("b", 20);
  auto plan = plan_for(keep_account(), lookup, {{10, 20, 30}, {"a", "b", "c"}});
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(msgnos(plan->retrieve), (std::vector<std::uint32_t>{1, 3}));
  EXPECT_EQ(plan->retrieve[1].uidl, "c");
  EXPECT_EQ(plan->retrieve_bytes(), 40u);
  EXPECT_EQ(plan->listed, 3u);
  EXPECT_TRUE(plan->header_checks.empty());
}

TEST(ListingPlan, OneUidlForTwoMessagesFailsBeforeAnything) {
  MapLookup lookup;
  auto plan = plan_for(delete_account(), lookup, {{10, 20}, {"same", "same"}});
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().kind, common::ErrorKind::Protocol);
  EXPECT_NE(plan.error().message.find("one UIDL for two different messages"), std::string::npos);
}

TEST(ListingPlan, AMessageListedTwiceInListFails) {
  MapLookup lookup;
  ListingPlan plan(keep_account(), 100, kNow, lookup);
  ASSERT_TRUE(plan.add(pop3::ListEntry{1, 10}));
  auto second = plan.add(pop3::ListEntry{1, 10});
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message.find("names message 1 twice"), std::string::npos);
}

TEST(ListingPlan, AMessageListedTwiceInUidlFails) {
  MapLookup lookup;
  ListingPlan plan(keep_account(), 100, kNow, lookup);
  ASSERT_TRUE(plan.add(pop3::ListEntry{1, 10}));
  ASSERT_TRUE(plan.add(pop3::UidlEntry{1, "a"}));
  auto second = plan.add(pop3::UidlEntry{1, "b"});
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().kind, common::ErrorKind::Protocol);
}

TEST(ListingPlan, UidlForAMessageListDidNotNameFails) {
  MapLookup lookup;
  ListingPlan plan(keep_account(), 100, kNow, lookup);
  ASSERT_TRUE(plan.add(pop3::ListEntry{1, 10}));
  EXPECT_FALSE(plan.add(pop3::UidlEntry{2, "b"}));
}

TEST(ListingPlan, AJumpFarAheadInMessageNumbersFails) {
  MapLookup lookup;
  ListingPlan plan(keep_account(), 100, kNow, lookup);
  ASSERT_TRUE(plan.add(pop3::ListEntry{1, 10}));
  ASSERT_TRUE(plan.add(pop3::ListEntry{kListingNumberSlack, 10})) << "a gap within the slack is a mailbox";
  auto jump = plan.add(pop3::ListEntry{5'000'000, 1});
  ASSERT_FALSE(jump);
  EXPECT_NE(jump.error().message.find("jumps to message 5000000"), std::string::npos);
  EXPECT_FALSE(plan.add(pop3::ListEntry{0, 1}));
}

TEST(ListingPlan, GapsInMessageNumbersAreNotMessages) {
  MapLookup lookup;
  ListingPlan plan(delete_account(), 100, kNow, lookup);
  ASSERT_TRUE(plan.add(pop3::ListEntry{1, 10}));
  ASSERT_TRUE(plan.add(pop3::ListEntry{4, 10}));
  auto done = plan.finish(false);
  ASSERT_TRUE(done);
  EXPECT_EQ(msgnos(done->retrieve), (std::vector<std::uint32_t>{1, 4}));
}

TEST(ListingPlan, KeepTrueWithoutUidlFails) {
  MapLookup lookup;
  auto plan = plan_for(keep_account(), lookup, {{10, 20}, {}});
  ASSERT_FALSE(plan);
  EXPECT_NE(plan.error().message.find("does not support UIDL"), std::string::npos);
}

TEST(ListingPlan, KeepFalseWithoutUidlRetrievesEverything) {
  MapLookup lookup;
  auto plan = plan_for(delete_account(), lookup, {{10, 2000, 30}, {}});
  ASSERT_TRUE(plan);
  EXPECT_EQ(msgnos(plan->retrieve), (std::vector<std::uint32_t>{1, 3}));
  EXPECT_TRUE(plan->retrieve[0].uidl.empty());
  EXPECT_EQ(plan->skipped_oversize, 1u);
  EXPECT_FALSE(plan->have_uidl);
}

TEST(ListingPlan, OversizeMessagesAreSkippedNeverPlanned) {
  MapLookup lookup;
  auto plan = plan_for(delete_account(), lookup, {{1001, 1000}, {"big", "fits"}});
  ASSERT_TRUE(plan);
  EXPECT_EQ(msgnos(plan->retrieve), (std::vector<std::uint32_t>{2}));
  EXPECT_EQ(plan->skipped_oversize, 1u);
}

TEST(ListingPlan, ThePerPollCapLeavesTheRestPending) {
  MapLookup lookup;
  auto plan = plan_for(keep_account(), lookup, {{1, 1, 1, 1}, {"a", "b", "c", "d"}}, 2);
  ASSERT_TRUE(plan);
  EXPECT_EQ(msgnos(plan->retrieve), (std::vector<std::uint32_t>{1, 2}));
  EXPECT_TRUE(plan->more_pending);
}

TEST(ListingPlan, ALookupFailureIsAStorageError) {
  MapLookup lookup;
  lookup.fail = true;
  auto plan = plan_for(keep_account(), lookup, {{10}, {"a"}});
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().kind, common::ErrorKind::Storage);
}

// --- the deletion rule (DESIGN.md "Fetching")

TEST(DeletionRule, KeepFalseRetrievesAnArchivedUidlAgainInsteadOfDeletingIt) {
  // The old rule deleted an archived UIDL without looking: a reused UIDL (or
  // another server behind the same account) lost its message.
  MapLookup lookup;
  lookup.store("reused", 10);
  auto plan = plan_for(delete_account(), lookup, {{10, 20}, {"reused", "new"}});
  ASSERT_TRUE(plan);
  EXPECT_EQ(msgnos(plan->retrieve), (std::vector<std::uint32_t>{1, 2}));
  EXPECT_EQ(plan->rechecked, 1u);
  EXPECT_TRUE(plan->header_checks.empty());
}

TEST(DeletionRule, KeepTrueLeavesAStoredMessageAlone) {
  MapLookup lookup;
  lookup.store("a", 10, 400 * kDay);
  auto plan = plan_for(keep_account(), lookup, {{10}, {"a"}});
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->retrieve.empty());
  EXPECT_TRUE(plan->header_checks.empty());
}

config::Account delete_after_30_days() {
  config::Account account = keep_account();
  account.delete_after = std::chrono::seconds(30 * kDay);
  return account;
}

TEST(DeletionRule, DeleteAfterChecksHeadersOfOldMessagesOfTheSameSizeOnly) {
  MapLookup lookup;
  lookup.store("old", 10, 31 * kDay);
  lookup.store("young", 10, 29 * kDay);
  lookup.store("cutoff", 10, 30 * kDay);
  auto plan = plan_for(delete_after_30_days(), lookup, {{10, 10, 10}, {"old", "young", "cutoff"}});
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->header_checks.size(), 2u);
  EXPECT_EQ(plan->header_checks[0].msgno, 1u);
  EXPECT_EQ(plan->header_checks[0].vouchers, (std::vector<std::int64_t>{lookup.last("old").id}));
  EXPECT_EQ(plan->header_checks[1].msgno, 3u) << "stored exactly at the cut-off counts as old enough";
  EXPECT_TRUE(plan->retrieve.empty());
}

TEST(DeletionRule, DeleteAfterFetchesAnOldUidlWhoseSizeChanged) {
  // A reused UIDL under keep: true + delete_after: the old rule deleted it.
  MapLookup lookup;
  lookup.store("reused", 10, 40 * kDay);
  auto plan = plan_for(delete_after_30_days(), lookup, {{900}, {"reused"}});
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->header_checks.empty());
  EXPECT_EQ(msgnos(plan->retrieve), (std::vector<std::uint32_t>{1}));
}

TEST(DeletionRule, TheListSizeSeenAtFetchTimeVouchesForServersThatCountTheirOwnWay) {
  MapLookup lookup;
  lookup.store("a", 10, 40 * kDay);
  lookup.last("a").listed_size = 9;
  auto plan = plan_for(delete_after_30_days(), lookup, {{9}, {"a"}});
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->header_checks.size(), 1u);
}

TEST(DeletionRule, AShortCopyNeverVouchesAndIsRetrievedAgain) {
  MapLookup lookup;
  lookup.store("cut", 77, 40 * kDay);
  lookup.last("cut").short_retr = true;
  for (const config::Account& account : {keep_account(), delete_after_30_days()}) {
    auto plan = plan_for(account, lookup, {{77}, {"cut"}});
    ASSERT_TRUE(plan);
    EXPECT_TRUE(plan->header_checks.empty());
    EXPECT_EQ(msgnos(plan->retrieve), (std::vector<std::uint32_t>{1}));
  }
}

TEST(DeletionRule, AUidlListedAgainAfterItsDeletionIsFetched) {
  MapLookup lookup;
  lookup.store("reused", 10, kDay);
  lookup.last("reused").deleted_at = kNow - 10;
  auto plan = plan_for(keep_account(), lookup, {{10}, {"reused"}});
  ASSERT_TRUE(plan);
  EXPECT_EQ(msgnos(plan->retrieve), (std::vector<std::uint32_t>{1}));
}

TEST(DeletionRule, AnotherServerBehindTheAccountGetsNothingDeletedUnproven) {
  // The account's server or username changed: the new mailbox happens to use
  // UIDLs the archive knows. Neither mode may delete on the first poll
  // without retrieving (keep: false) or matching size and headers (delete_after).
  MapLookup lookup;
  for (const char* uidl : {"1", "2", "3"}) lookup.store(uidl, 500, 90 * kDay);
  auto keep_false = plan_for(delete_account(), lookup, {{10, 20, 30}, {"1", "2", "3"}});
  ASSERT_TRUE(keep_false);
  EXPECT_EQ(keep_false->retrieve.size(), 3u);
  auto delete_after = plan_for(delete_after_30_days(), lookup, {{10, 20, 30}, {"1", "2", "3"}});
  ASSERT_TRUE(delete_after);
  EXPECT_TRUE(delete_after->header_checks.empty());
  EXPECT_EQ(delete_after->retrieve.size(), 3u);
}

TEST(DeletionRule, OnlyARetrieveThatIsNotShortAndNotKeptProvesADele) {
  EXPECT_TRUE(deletable_after_retrieve(delete_account(), false));
  EXPECT_FALSE(deletable_after_retrieve(delete_account(), true));
  EXPECT_FALSE(deletable_after_retrieve(keep_account(), false));
}

TEST(DeletionRule, ClearlyShortAllowsSmallDifferencesOnly) {
  EXPECT_TRUE(clearly_short(77, 3100));
  EXPECT_FALSE(clearly_short(3100, 3100));
  EXPECT_FALSE(clearly_short(3200, 3100)) << "bare LF lines become CRLF: more bytes, never fewer";
  EXPECT_FALSE(clearly_short(3100 - kShortRetrSlack, 3100));
  EXPECT_TRUE(clearly_short(3100 - kShortRetrSlack - 1, 3100));
}

TEST(DeletionRule, SameHeadersComparesTheHeaderBlockOfTheTopReply) {
  const std::string stored = "From: a\r\nSubject: x\r\n\r\n";
  EXPECT_TRUE(same_headers("From: a\r\nSubject: x\r\n\r\n", stored));
  EXPECT_TRUE(same_headers("From: a\r\nSubject: x\r\n\r\nbody line some servers add\r\n", stored));
  EXPECT_FALSE(same_headers("From: b\r\nSubject: x\r\n\r\n", stored));
  EXPECT_FALSE(same_headers("", stored));
}

}  // namespace
}  // namespace fetch
