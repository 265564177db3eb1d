#include "health/http_headers.hpp"

#include <algorithm>
#include <cctype>

namespace health {

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

std::optional<std::string_view> find_header(const HttpHeaders& headers, std::string_view name) {
  for (const auto& [field, value] : headers) {
    if (equals_ignoring_case(field, name)) return std::string_view(value);
  }
  return std::nullopt;
}

bool HeaderAssembler::add_name_piece(HttpHeaders& headers, std::string_view piece, std::size_t max_fields) {
  if (in_value_ || headers.empty()) {
    if (headers.size() >= max_fields) return false;
    headers.emplace_back();
    in_value_ = false;
  }
  headers.back().first.append(piece);
  return true;
}

void HeaderAssembler::add_value_piece(HttpHeaders& headers, std::string_view piece) {
  headers.back().second.append(piece);
  in_value_ = true;
}

}  // namespace health
