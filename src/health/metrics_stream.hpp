#pragma once
// MetricsStream: the body of `GET /metrics` (render_metrics()'s text) in
// pieces, so that a scrape of 10,000 accounts (22 MB, 350,000 samples) never
// sits in memory at once: the health server asks for the next piece each time
// the previous one is written, into the same buffer.
//
// Holds a reference to the snapshot (which must outlive it) and each
// account's escaped label. Never fails; the text is exactly render_metrics()'s.

#include <cstddef>
#include <string>
#include <vector>

#include "health/state.hpp"

namespace health {

class MetricsStream {
 public:
  explicit MetricsStream(const HealthSnapshot& snapshot);

  // Appends the next part of the text to `out`: whole lines, at least
  // `at_least` bytes unless the text ends first. False once the text has
  // ended (then nothing was appended).
  bool next(std::string& out, std::size_t at_least);

 private:
  const HealthSnapshot& snapshot_;
  std::vector<std::string> labels_;  // account="<escaped name>", per account
  bool preamble_done_ = false;       // the families without an account label
  std::size_t family_ = 0;           // the per-account family being written
  bool family_head_done_ = false;    // its # HELP and # TYPE lines
  std::size_t account_ = 0;          // the next account of that family
};

}  // namespace health
