// popfetchd.yaml(5) and the example config cannot drift from the program:
// the keys the man page describes under TOP-LEVEL KEYS and ACCOUNT KEYS are
// exactly the keys the loader accepts, and the example shows every one.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "config/key_names.hpp"

namespace {

std::string read(const char* path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The ".TP" / ".B key" entries of one section (up to the next ".SH"), not
// the nested ones of deliver: (those follow ".RS").
std::set<std::string> described_keys(const std::string& page, const std::string& section) {
  std::set<std::string> keys;
  std::istringstream lines(page.substr(page.find(".SH " + section)));
  std::string line;
  std::string previous;
  int nesting = 0;
  std::getline(lines, line);  // the .SH line itself
  while (std::getline(lines, line) && line.rfind(".SH ", 0) != 0) {
    if (line == ".RS") ++nesting;
    if (line == ".RE") --nesting;
    if (nesting == 0 && previous == ".TP" && line.rfind(".B ", 0) == 0) keys.insert(line.substr(3));
    previous = line;
  }
  return keys;
}

template <class Keys>
std::set<std::string> as_set(const Keys& keys) {
  return std::set<std::string>(keys.begin(), keys.end());
}

TEST(ManPage, DescribesExactlyTheTopLevelKeys) {
  const std::string page = read(POPFETCHD_MAN5);
  ASSERT_FALSE(page.empty());
  EXPECT_EQ(described_keys(page, "TOP-LEVEL KEYS"), as_set(config::detail::kTopLevelKeys));
}

TEST(ManPage, DescribesExactlyTheAccountKeys) {
  const std::string page = read(POPFETCHD_MAN5);
  EXPECT_EQ(described_keys(page, "ACCOUNT KEYS"), as_set(config::detail::kAccountKeys));
}

TEST(ExampleConfig, ShowsEveryKey) {
  const std::string example = read(POPFETCHD_EXAMPLE_CONFIG);
  ASSERT_FALSE(example.empty());
  for (const auto& keys : {as_set(config::detail::kTopLevelKeys), as_set(config::detail::kAccountKeys)}) {
    for (const std::string& key : keys) {
      // "key:" at the start of a line (indented, commented out, or a list item).
      const bool shown = example.find(" " + key + ":") != std::string::npos ||
                         example.find("\n" + key + ":") != std::string::npos ||
                         example.find("#" + key + ":") != std::string::npos;
      EXPECT_TRUE(shown) << key << " is not in the example config";
    }
  }
}

}  // namespace
