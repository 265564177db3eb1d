#include "fetch/archive_writer.hpp"

#include <utility>
#include <vector>

namespace fetch {

ArchiveWriter::ArchiveWriter(uv_loop_t* loop, store::Archive& archive, Limits limits)
    : archive_(archive), limits_(limits), timer_(net::make_timer(loop)) {
  timer_->data = this;  // uv_timer_init cannot fail (it only fills in the struct)
}

ArchiveWriter::~ArchiveWriter() = default;

common::Result<store::AddOutcome> ArchiveWriter::add(std::string_view account, std::string_view uidl,
                                                     std::string_view raw, std::int64_t fetched_at,
                                                     store::AddFlags flags) {
  if (!batch_) {
    common::Result<store::Batch> batch = archive_.begin_batch();
    if (!batch) return batch.error();
    batch_.emplace(std::move(batch).value());
    batch_messages_ = 0;
    batch_bytes_ = 0;
    uv_timer_start(timer_.get(), &ArchiveWriter::on_batch_age,
                   static_cast<std::uint64_t>(limits_.max_batch_age.count()), 0);
  }
  common::Result<store::AddOutcome> outcome = batch_->add_message(account, uidl, raw, fetched_at, flags);
  if (!outcome) {
    roll_back(outcome.error());
    return outcome;
  }
  ++batch_messages_;
  batch_bytes_ += raw.size();
  return outcome;
}

void ArchiveWriter::on_batch_age(uv_timer_t* timer) {
  // The outcome reaches the polls through notify().
  (void)static_cast<ArchiveWriter*>(timer->data)->commit();
}

common::Status ArchiveWriter::commit_if_due() {
  if (!batch_ || (batch_messages_ < limits_.max_messages && batch_bytes_ < limits_.max_bytes)) return {};
  return commit();
}

common::Status ArchiveWriter::commit() {
  if (!batch_) return {};
  common::Status committed = batch_->commit();
  if (!committed) {
    roll_back(committed.error());
    return committed;
  }
  end_batch();
  ++commits_;
  notify(committed);
  return committed;
}

void ArchiveWriter::end_batch() {
  batch_.reset();  // the destructor rolls an uncommitted transaction back
  uv_timer_stop(timer_.get());
}

void ArchiveWriter::roll_back(const common::Error& error) {
  end_batch();
  notify(error);
}

void ArchiveWriter::notify(const common::Status& outcome) {
  // A subscriber may unsubscribe itself or others (or subscribe new ones)
  // while being told: tell the ones subscribed now that are still there.
  std::vector<std::uint64_t> ids;
  ids.reserve(subscribers_.size());
  for (const auto& [id, subscriber] : subscribers_) ids.push_back(id);
  for (std::uint64_t id : ids) {
    auto it = subscribers_.find(id);
    if (it == subscribers_.end() || !it->second) continue;
    // A copy: the subscriber may erase its own entry while it runs.
    Subscriber subscriber = it->second;
    subscriber(outcome);
  }
}

common::Result<std::int64_t> ArchiveWriter::mark_deleted(std::string_view account,
                                                         std::span<const std::string> uidls,
                                                         std::int64_t when) {
  if (common::Status committed = commit(); !committed) return committed.error();
  return archive_.mark_deleted(account, uidls, when);
}

ArchiveWriter::Subscription ArchiveWriter::subscribe(Subscriber subscriber) {
  const std::uint64_t id = next_subscriber_id_++;
  subscribers_.emplace(id, std::move(subscriber));
  return Subscription(this, id);
}

ArchiveWriter::Subscription::Subscription(Subscription&& other) noexcept
    : writer_(std::exchange(other.writer_, nullptr)), id_(other.id_) {}

ArchiveWriter::Subscription& ArchiveWriter::Subscription::operator=(Subscription&& other) noexcept {
  if (this != &other) {
    release();
    writer_ = std::exchange(other.writer_, nullptr);
    id_ = other.id_;
  }
  return *this;
}

ArchiveWriter::Subscription::~Subscription() { release(); }

void ArchiveWriter::Subscription::release() {
  if (writer_ != nullptr) writer_->subscribers_.erase(id_);
  writer_ = nullptr;
}

}  // namespace fetch
