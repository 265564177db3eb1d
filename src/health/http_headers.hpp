#pragma once
// Header fields as the request and response parsers collect them from
// http-parser's callbacks, and their case-insensitive lookup (RFC 9110 §5.1).
// Owns nothing but the strings; no I/O, no errors beyond "too many fields".

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace health {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;  // in order, names as sent

// The value of the first field named `name` (case-insensitive), if any.
std::optional<std::string_view> find_header(const HttpHeaders& headers, std::string_view name);
bool equals_ignoring_case(std::string_view a, std::string_view b);

// http-parser hands names and values over in pieces when they are split
// across feeds, and reports empty values too: a name piece after a value (or
// the first one) starts a new field, any other continues the current one.
class HeaderAssembler {
 public:
  // False when the piece would start field number max_fields + 1.
  bool add_name_piece(HttpHeaders& headers, std::string_view piece, std::size_t max_fields);
  void add_value_piece(HttpHeaders& headers, std::string_view piece);

 private:
  bool in_value_ = false;
};

}  // namespace health
