#include "deliver/maildir_target.hpp"

#include "deliver/file_error.hpp"
#include "deliver/pool_work.hpp"

#include <optional>
#include <vector>

namespace deliver {
namespace {

// Delivered with nothing staged: the message is in new/ or cur/ already.
Outcome stage_now(MaildirWriter& writer, const Attempt& attempt, std::optional<StagedMessage>& staged) {
  if (attempt.in_doubt) {
    auto there = writer.already_there(*attempt.message);
    if (!there) return Outcome{verdict_of(there.error()), there.error().message};
    if (*there) return Outcome{Verdict::Delivered, ""};
  }
  auto written = writer.stage(*attempt.message);
  if (!written) return Outcome{verdict_of(written.error()), written.error().message};
  staged = std::move(*written);
  return Outcome{Verdict::Delivered, ""};
}

}  // namespace

MaildirTarget::MaildirTarget(uv_loop_t* loop, std::string dir)
    : loop_(loop), writer_(std::make_shared<MaildirWriter>(std::move(dir))) {}

MaildirTarget::~MaildirTarget() { MaildirWriter::discard(staged_); }

void MaildirTarget::deliver(Attempt attempt, Done done) {
  struct Result {
    Outcome outcome;
    std::optional<StagedMessage> staged;
  };
  auto result = std::make_shared<Result>();
  run_on_pool(
      loop_,
      [writer = writer_, attempt = std::move(attempt), result] {
        result->outcome = stage_now(*writer, attempt, result->staged);
      },
      [this, result, done = std::move(done)](common::Status ran) {
        if (!ran) {
          result->outcome = Outcome{Verdict::Temporary, "maildir " + writer_->dir() + ": " + ran.error().message};
          if (result->staged) MaildirWriter::discard({*result->staged});
          result->staged.reset();
        }
        if (result->staged) staged_.push_back(std::move(*result->staged));
        done(std::move(result->outcome));
      });
}

void MaildirTarget::flush(FlushDone done) {
  if (staged_.empty()) {
    done(common::Status{});
    return;
  }
  auto batch = std::make_shared<std::vector<StagedMessage>>(std::move(staged_));
  staged_.clear();
  auto published = std::make_shared<common::Status>();
  run_on_pool(
      loop_, [writer = writer_, batch, published] { *published = writer->publish(*batch); },
      [published, done = std::move(done)](common::Status ran) {
        if (!ran) *published = ran;
        done(std::move(*published));
      });
}

}  // namespace deliver
