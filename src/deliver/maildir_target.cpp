#include "deliver/maildir_target.hpp"

#include "deliver/file_error.hpp"
#include "deliver/pool_work.hpp"

namespace deliver {
namespace {

Outcome deliver_now(MaildirWriter& writer, const Attempt& attempt) {
  if (attempt.in_doubt) {
    auto there = writer.already_there(*attempt.message);
    if (!there) return Outcome{verdict_of(there.error()), there.error().message};
    if (*there) return Outcome{Verdict::Delivered, ""};
  }
  auto written = writer.write(*attempt.message);
  if (!written) return Outcome{verdict_of(written.error()), written.error().message};
  return Outcome{Verdict::Delivered, ""};
}

}  // namespace

MaildirTarget::MaildirTarget(uv_loop_t* loop, std::string dir)
    : loop_(loop), writer_(std::make_shared<MaildirWriter>(std::move(dir))) {}

void MaildirTarget::deliver(Attempt attempt, Done done) {
  auto outcome = std::make_shared<Outcome>();
  run_on_pool(
      loop_,
      [writer = writer_, attempt = std::move(attempt), outcome] { *outcome = deliver_now(*writer, attempt); },
      [this, outcome, done = std::move(done)](common::Status ran) {
        if (!ran)
          *outcome = Outcome{Verdict::Temporary, "maildir " + writer_->dir() + ": " + ran.error().message};
        if (outcome->verdict == Verdict::Delivered) ++unflushed_;
        done(std::move(*outcome));
      });
}

void MaildirTarget::flush(FlushDone done) {
  if (unflushed_ == 0) {
    done(common::Status{});
    return;
  }
  const std::size_t covered = unflushed_;
  auto synced = std::make_shared<common::Status>();
  run_on_pool(
      loop_, [writer = writer_, synced] { *synced = writer->sync_new(); },
      [this, covered, synced, done = std::move(done)](common::Status ran) {
        if (!ran) *synced = ran;
        if (*synced) unflushed_ -= covered;
        done(std::move(*synced));
      });
}

}  // namespace deliver
