#include "common/result.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace {

common::Result<int> half(int n) {
  if (n % 2 != 0) return common::make_error(common::ErrorKind::Protocol, "odd");
  return n / 2;
}

TEST(Result, CarriesValueOrError) {
  auto good = half(8);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 4);
  auto bad = half(3);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, common::ErrorKind::Protocol);
  EXPECT_EQ(bad.error().message, "odd");
}

TEST(Result, MovesOutMoveOnlyValues) {
  common::Result<std::unique_ptr<int>> r(std::make_unique<int>(7));
  std::unique_ptr<int> p = std::move(r).value();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 7);
}

TEST(Result, VoidStatus) {
  common::Status fine;
  EXPECT_TRUE(fine.ok());
  common::Status broken = common::make_error(common::ErrorKind::Storage, "disk full");
  EXPECT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().kind, common::ErrorKind::Storage);
}

TEST(Result, KindNames) {
  EXPECT_EQ(common::to_string(common::ErrorKind::TempFail), "temporary failure");
  EXPECT_EQ(common::to_string(common::ErrorKind::Auth), "auth");
}

}  // namespace
