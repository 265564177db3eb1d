#include "common/secret.hpp"

#include <gtest/gtest.h>

namespace common {
namespace {

TEST(Secret, RevealsItsValueAndMovesWithoutCopying) {
  Secret secret(std::string("Hostile-Pw-5e1f-x9"));
  EXPECT_EQ(secret.reveal(), "Hostile-Pw-5e1f-x9");
  Secret moved(std::move(secret));
  EXPECT_EQ(moved.reveal(), "Hostile-Pw-5e1f-x9");
  EXPECT_TRUE(secret.empty());  // NOLINT(bugprone-use-after-move): the moved-from state is the point
  Secret assigned;
  assigned = std::move(moved);
  EXPECT_EQ(assigned.reveal(), "Hostile-Pw-5e1f-x9");
  EXPECT_TRUE(moved.empty());  // NOLINT(bugprone-use-after-move)
}

TEST(Secret, AMovedFromShortSecretLeavesNoBytesInItsInlineBuffer) {
  // A short string lives in the object itself; moving it copies the bytes
  // and, without the wipe, leaves them behind in the source.
  Secret secret(std::string("pw-1234"));
  const char* inline_buffer = secret.reveal().data();
  Secret moved(std::move(secret));
  EXPECT_EQ(moved.reveal(), "pw-1234");
  for (int i = 0; i < 7; ++i) EXPECT_EQ(inline_buffer[i], '\0') << i;
}

TEST(Secret, DuplicateIsAnIndependentOwner) {
  Secret secret(std::string("pw-dup-77"));
  Secret copy = secret.duplicate();
  EXPECT_EQ(copy.reveal(), "pw-dup-77");
  EXPECT_NE(copy.reveal().data(), secret.reveal().data());
  secret.wipe();
  EXPECT_EQ(copy.reveal(), "pw-dup-77");
}

TEST(Secret, WipeEmptiesIt) {
  Secret secret(std::string(100, 'x'));
  secret.wipe();
  EXPECT_TRUE(secret.empty());
  EXPECT_EQ(secret.reveal(), "");
}

}  // namespace
}  // namespace common
