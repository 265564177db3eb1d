#pragma once
// Feeding a parser the same input in every way a network could cut it: whole,
// byte by byte, and split into two pieces at every possible point. A parser
// that gives the same answer for all of them does not depend on packet
// boundaries.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace pop3::testing {

struct Split {
  std::string name;                     // for failure messages: "whole", "bytes", "split at 7"
  std::vector<std::string_view> parts;  // views into the original input
};

inline std::vector<Split> all_splits(std::string_view input) {
  std::vector<Split> splits;
  splits.push_back({"whole", {input}});
  Split bytes{"byte by byte", {}};
  for (std::size_t i = 0; i < input.size(); ++i) bytes.parts.push_back(input.substr(i, 1));
  splits.push_back(bytes);
  for (std::size_t at = 1; at < input.size(); ++at) {
    splits.push_back({"split at " + std::to_string(at), {input.substr(0, at), input.substr(at)}});
  }
  return splits;
}

}  // namespace pop3::testing
