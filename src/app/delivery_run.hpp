#pragma once
// DeliveryRun: the delivery queue for commands that end (`poll-once`,
// `popfetchd deliver`): the named accounts' targets run on the command's
// loop while it works; finish() lets the queue deliver what is due and then
// stops it, so the loop can end; report() prints one line per target and
// says whether every delivery succeeded.
//
// Messages waiting for a retry after a temporary failure stay pending for
// the daemon (or the next run); a target whose account another popfetchd is
// delivering (the daemon) is left to it.
//
// Owns the Queue (and so the Targets); borrows the loop and the writer.

#include <uv.h>

#include <string>
#include <vector>

#include "config/config.hpp"
#include "deliver/queue.hpp"
#include "fetch/archive_writer.hpp"

namespace app {

class DeliveryRun {
 public:
  DeliveryRun(uv_loop_t* loop, fetch::ArchiveWriter& writer, const config::Config& config,
              std::vector<const config::Account*> accounts);

  bool any_targets() const { return any_targets_; }
  store::DeliveryLog& log() { return queue_.log(); }

  // Call once the work that stores messages is done: the queue stops once
  // nothing is due any more (from the loop).
  void finish();
  // After the loop ended: one line per target to stdout (failing ones to
  // stderr). False when a target is failing or has failed messages.
  bool report();

 private:
  deliver::Queue queue_;
  std::vector<const config::Account*> accounts_;
  bool any_targets_ = false;
};

}  // namespace app
