// DiagnosticSink: mark conversion and ordering.
#include "config/diagnostic_sink.hpp"

#include <yaml-cpp/mark.h>

#include <algorithm>

namespace config::detail {

Location DiagnosticSink::at(const YAML::Mark& mark) const {
  if (mark.is_null()) return whole_file();
  return Location{file_, mark.line + 1, mark.column + 1};
}

std::vector<Diagnostic> DiagnosticSink::take_sorted() {
  std::stable_sort(errors_.begin(), errors_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    if (a.location.line != b.location.line) return a.location.line < b.location.line;
    return a.location.column < b.location.column;
  });
  return std::move(errors_);
}

}  // namespace config::detail
