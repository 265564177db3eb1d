#pragma once
// deliver::MaildirTarget: the `maildir:` target. Each delivery runs a
// MaildirWriter on libuv's thread pool; an attempt in doubt first looks in
// new/ and cur/ (a message a mail reader already moved still counts), so a
// crash between the link and the queue's record never delivers twice.
// flush() fsyncs new/ once for all deliveries since the last flush (nothing
// to do: `done` at once), which keeps the fsyncs per message near one.
//
// Owns: its MaildirWriter (shared with the work in flight). Follows the
// threading rules of deliver::Target.
// Outcomes: Delivered (written, or found there already); Temporary for a full
// disk and most failures; Permanent for a path that cannot work (not a
// directory, no permission); deliver/file_error.hpp has the table.

#include <uv.h>

#include <cstddef>
#include <memory>
#include <string>

#include "deliver/maildir_writer.hpp"
#include "deliver/target.hpp"

namespace deliver {

class MaildirTarget final : public Target {
 public:
  MaildirTarget(uv_loop_t* loop, std::string dir);

  void deliver(Attempt attempt, Done done) override;
  void flush(FlushDone done) override;

 private:
  uv_loop_t* loop_;
  std::shared_ptr<MaildirWriter> writer_;
  std::size_t unflushed_ = 0;  // Delivered outcomes since the last successful flush (loop thread)
};

}  // namespace deliver
