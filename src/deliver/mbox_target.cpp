#include "deliver/mbox_target.hpp"

#include "deliver/file_error.hpp"
#include "deliver/pool_work.hpp"

namespace deliver {
namespace {

Outcome deliver_now(MboxWriter& writer, const Attempt& attempt) {
  if (attempt.in_doubt) {
    auto there = writer.already_there(*attempt.message);
    if (!there) return Outcome{verdict_of(there.error()), there.error().message};
    if (*there) return Outcome{Verdict::Delivered, ""};
  }
  auto appended = writer.append(*attempt.message);
  if (!appended) return Outcome{verdict_of(appended.error()), appended.error().message};
  return Outcome{Verdict::Delivered, ""};
}

}  // namespace

MboxTarget::MboxTarget(uv_loop_t* loop, std::string file, MboxLocking locking)
    : loop_(loop), writer_(std::make_shared<MboxWriter>(std::move(file), locking)) {}

void MboxTarget::deliver(Attempt attempt, Done done) {
  auto outcome = std::make_shared<Outcome>();
  run_on_pool(
      loop_,
      [writer = writer_, attempt = std::move(attempt), outcome] { *outcome = deliver_now(*writer, attempt); },
      [file = writer_->file(), outcome, done = std::move(done)](common::Status ran) {
        if (!ran) *outcome = Outcome{Verdict::Temporary, "mbox " + file + ": " + ran.error().message};
        done(std::move(*outcome));
      });
}

}  // namespace deliver
