#include "deliver/maildir_name.hpp"

#include <gtest/gtest.h>

namespace {

deliver::MaildirKey key(std::int64_t id = 42, std::string_view account = "alice",
                        std::string_view uidl = "u1") {
  return deliver::MaildirKey{id, account, uidl, 1704067200};
}

TEST(MaildirName, DerivedFromTheArchiveRowOnly) {
  const std::string unique = deliver::maildir_unique(key());
  EXPECT_EQ(unique.rfind("1704067200.M42H", 0), 0u) << unique;
  EXPECT_EQ(unique.size(), std::string("1704067200.M42H").size() + 8 + std::string(".popfetchd").size());
  EXPECT_EQ(unique.substr(unique.size() - 10), ".popfetchd");
  EXPECT_EQ(unique.find_first_of("/:,"), std::string::npos);
  // The same row gives the same name in every process, on every run.
  EXPECT_EQ(deliver::maildir_unique(key()), unique);
  EXPECT_EQ(deliver::maildir_base_name(key(), 1234), unique + ",S=1234");
}

TEST(MaildirName, FixedHashKeepsArchivesApart) {
  // FNV-1a of "alice\0u1": a changed name would make every re-run duplicate mail.
  EXPECT_EQ(deliver::maildir_unique(key()), "1704067200.M42H71da9f53.popfetchd");
  EXPECT_NE(deliver::maildir_unique(key(42, "bob")), deliver::maildir_unique(key()));
  EXPECT_NE(deliver::maildir_unique(key(42, "alice", "u2")), deliver::maildir_unique(key()));
  EXPECT_NE(deliver::maildir_unique(key(42, "alic", "eu1")), deliver::maildir_unique(key()));
  EXPECT_NE(deliver::maildir_unique(key(43)), deliver::maildir_unique(key()));
}

TEST(MaildirName, EntryMatchesWithAnyInfoOrSizeSuffix) {
  const std::string unique = deliver::maildir_unique(key());
  EXPECT_TRUE(deliver::is_maildir_entry_of(unique, unique));
  EXPECT_TRUE(deliver::is_maildir_entry_of(unique + ",S=12", unique));
  EXPECT_TRUE(deliver::is_maildir_entry_of(unique + ",S=12:2,S", unique));
  EXPECT_TRUE(deliver::is_maildir_entry_of(unique + ",S=12,W=13:2,RS", unique));
  EXPECT_TRUE(deliver::is_maildir_entry_of(unique + ":2,", unique));
  EXPECT_FALSE(deliver::is_maildir_entry_of(unique + "x,S=12", unique));
  EXPECT_FALSE(deliver::is_maildir_entry_of(deliver::maildir_unique(key(4)) + ",S=12", unique));
  EXPECT_FALSE(deliver::is_maildir_entry_of(unique.substr(0, unique.size() - 1), unique));
  EXPECT_FALSE(deliver::is_maildir_entry_of("", ""));
  EXPECT_EQ(deliver::maildir_unique_of(unique + ",S=1:2,S"), unique);
}

}  // namespace
