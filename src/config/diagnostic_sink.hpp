#pragma once
// DiagnosticSink: collects every error found while loading one config file, so
// the loader can keep going after the first and report them all at once.
// Owns the list of Diagnostics and the file name; never reads the file itself.
// Internal to src/config.

#include <string>
#include <utility>
#include <vector>

#include "config/config.hpp"

namespace YAML {
class Mark;
}

namespace config::detail {

class DiagnosticSink {
 public:
  explicit DiagnosticSink(std::string file) : file_(std::move(file)) {}

  // yaml-cpp marks are 0-based; ours are 1-based. A null mark (-1) becomes 0:0.
  Location at(const YAML::Mark& mark) const;
  Location whole_file() const { return Location{file_, 0, 0}; }

  void error(Location location, std::string message) {
    errors_.push_back({std::move(location), std::move(message)});
  }
  void error(const YAML::Mark& mark, std::string message) { error(at(mark), std::move(message)); }

  std::size_t count() const { return errors_.size(); }
  const std::string& file() const { return file_; }
  // The errors in file order (line, then column; ties keep the order found).
  std::vector<Diagnostic> take_sorted();

 private:
  std::string file_;
  std::vector<Diagnostic> errors_;
};

}  // namespace config::detail
