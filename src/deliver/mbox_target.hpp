#pragma once
// deliver::MboxTarget: the `mbox:` target. Each delivery runs an MboxWriter
// (locked, appended, fsync()ed) on libuv's thread pool; an attempt in doubt
// first searches the file for the message's exact entry. Every append is
// durable when it is answered, so flush() has nothing to do.
//
// Owns: its MboxWriter (shared with the work in flight). Follows the
// threading rules of deliver::Target.
// Outcomes: Delivered; Temporary for a held lock, a full disk and most
// failures; Permanent for a path that cannot work (deliver/file_error.hpp).

#include <uv.h>

#include <memory>
#include <string>

#include "deliver/mbox_writer.hpp"
#include "deliver/target.hpp"

namespace deliver {

class MboxTarget final : public Target {
 public:
  MboxTarget(uv_loop_t* loop, std::string file, MboxLocking locking = {});

  void deliver(Attempt attempt, Done done) override;

 private:
  uv_loop_t* loop_;
  std::shared_ptr<MboxWriter> writer_;
};

}  // namespace deliver
