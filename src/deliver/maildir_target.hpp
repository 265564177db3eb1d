#pragma once
// deliver::MaildirTarget: the `maildir:` target. Each delivery writes the
// message to tmp/ on libuv's thread pool (MaildirWriter::stage, no sync);
// flush() publishes everything staged since the last flush in one go: one
// syncfs of the Maildir's file system, the links into new/, one fsync of
// new/ (MaildirWriter::publish). So a batch of messages costs two syncs, not
// one per message, and "Delivered" holds once flush() succeeded: the queue
// records nothing as delivered before. An attempt in doubt first looks in
// new/ and cur/ (a message a mail reader already moved still counts), so a
// crash between the link and the queue's record never delivers twice.
//
// Owns: its MaildirWriter (shared with the work in flight). Follows the
// threading rules of deliver::Target.
// Outcomes: Delivered (written, or found there already); Temporary for a full
// disk and most failures; Permanent for a path that cannot work (not a
// directory, no permission); deliver/file_error.hpp has the table.

#include <uv.h>

#include <cstddef>
#include <vector>
#include <memory>
#include <string>

#include "deliver/maildir_writer.hpp"
#include "deliver/target.hpp"

namespace deliver {

class MaildirTarget final : public Target {
 public:
  MaildirTarget(uv_loop_t* loop, std::string dir);
  ~MaildirTarget() override;  // removes tmp/ files staged but never published

  void deliver(Attempt attempt, Done done) override;
  void flush(FlushDone done) override;

 private:
  uv_loop_t* loop_;
  std::shared_ptr<MaildirWriter> writer_;
  std::vector<StagedMessage> staged_;  // written to tmp/ since the last flush (loop thread)
};

}  // namespace deliver
