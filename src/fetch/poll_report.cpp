#include "fetch/poll_report.hpp"

#include <cstdio>

namespace fetch {
namespace {

std::string megabytes(std::uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return text;
}

}  // namespace

std::string PollReport::summary() const {
  std::string text = std::to_string(new_messages) + " new (" + megabytes(new_bytes) + "), " +
                     std::to_string(deleted) + " deleted";
  if (skipped_oversize > 0) text += ", " + std::to_string(skipped_oversize) + " skipped (too large)";
  if (failed_messages > 0) text += ", " + std::to_string(failed_messages) + " failed";
  if (more_pending) text += ", more to fetch";
  if (error) text += "; failed: " + error->message;
  return text;
}

}  // namespace fetch
