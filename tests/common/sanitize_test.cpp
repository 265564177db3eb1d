#include "common/sanitize.hpp"

#include <gtest/gtest.h>

namespace {

TEST(Sanitize, KeepsPrintableText) { EXPECT_EQ(common::sanitize("-ERR [AUTH] nope"), "-ERR [AUTH] nope"); }

TEST(Sanitize, ReplacesControlAndHighBytes) {
  EXPECT_EQ(common::sanitize(std::string_view("a\r\nb\0c\x1b[31m\xff", 12)), "a??b?c?[31m?");
}

TEST(Sanitize, CutsLongText) {
  std::string long_text(500, 'x');
  std::string out = common::sanitize(long_text, 10);
  EXPECT_EQ(out, std::string(10, 'x') + "...");
}

TEST(Sanitize, ExactLengthIsNotCut) { EXPECT_EQ(common::sanitize("abcde", 5), "abcde"); }

}  // namespace
