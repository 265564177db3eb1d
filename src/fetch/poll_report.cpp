#include "fetch/poll_report.hpp"

#include "common/format.hpp"

namespace fetch {

std::string PollReport::summary() const {
  std::string text = std::to_string(new_messages) + " new (" + common::format_bytes(new_bytes) + "), " +
                     std::to_string(deleted) + " deleted";
  if (skipped_oversize > 0) text += ", " + std::to_string(skipped_oversize) + " skipped (too large)";
  if (failed_messages > 0) text += ", " + std::to_string(failed_messages) + " failed";
  if (short_messages > 0) text += ", " + std::to_string(short_messages) + " short (kept on the server)";
  if (more_pending) text += ", more to fetch";
  if (error) {
    // The error first; what the poll still achieved after it, when anything.
    const bool progress = new_messages > 0 || deleted > 0 || skipped_oversize > 0 || failed_messages > 0 ||
                          short_messages > 0;
    return "failed (" + std::string(common::to_string(error->kind)) + "): " + error->message +
           (progress ? "; before that: " + text : "");
  }
  return text;
}

}  // namespace fetch
