#include "fetch/archive_writer.hpp"

#include <utility>
#include <vector>

namespace fetch {

ArchiveWriter::ArchiveWriter(store::Archive& archive, Limits limits) : archive_(archive), limits_(limits) {}

ArchiveWriter::~ArchiveWriter() = default;

common::Result<store::AddOutcome> ArchiveWriter::add(std::string_view account, std::string_view uidl,
                                                     std::string_view raw, std::int64_t fetched_at) {
  if (!batch_) {
    common::Result<store::Batch> batch = archive_.begin_batch();
    if (!batch) return batch.error();
    batch_.emplace(std::move(batch).value());
    batch_messages_ = 0;
    batch_bytes_ = 0;
  }
  common::Result<store::AddOutcome> outcome = batch_->add_message(account, uidl, raw, fetched_at);
  if (!outcome) {
    roll_back(outcome.error());
    return outcome;
  }
  ++batch_messages_;
  batch_bytes_ += raw.size();
  return outcome;
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
  batch_.reset();
  ++commits_;
  notify(committed);
  return committed;
}

void ArchiveWriter::roll_back(const common::Error& error) {
  batch_.reset();  // the destructor rolls the transaction back
  notify(error);
}

void ArchiveWriter::notify(const common::Status& outcome) {
  // A subscriber may unsubscribe itself (or others) while being told: walk a
  // snapshot of the iterators and skip the ones erased meanwhile.
  std::vector<std::list<Subscriber>::iterator> snapshot;
  for (auto it = subscribers_.begin(); it != subscribers_.end(); ++it) snapshot.push_back(it);
  for (auto it : snapshot) {
    bool alive = false;
    for (auto live = subscribers_.begin(); live != subscribers_.end(); ++live) {
      if (live == it) {
        alive = true;
        break;
      }
    }
    if (alive && *it) (*it)(outcome);
  }
}

common::Result<std::int64_t> ArchiveWriter::mark_deleted(std::string_view account,
                                                         std::span<const std::string> uidls, std::int64_t when) {
  if (common::Status committed = commit(); !committed) return committed.error();
  return archive_.mark_deleted(account, uidls, when);
}

ArchiveWriter::Subscription ArchiveWriter::subscribe(Subscriber subscriber) {
  subscribers_.push_back(std::move(subscriber));
  return Subscription(this, std::prev(subscribers_.end()));
}

ArchiveWriter::Subscription::Subscription(Subscription&& other) noexcept
    : writer_(std::exchange(other.writer_, nullptr)), it_(other.it_) {}

ArchiveWriter::Subscription& ArchiveWriter::Subscription::operator=(Subscription&& other) noexcept {
  if (this != &other) {
    release();
    writer_ = std::exchange(other.writer_, nullptr);
    it_ = other.it_;
  }
  return *this;
}

ArchiveWriter::Subscription::~Subscription() { release(); }

void ArchiveWriter::Subscription::release() {
  if (writer_ != nullptr) writer_->subscribers_.erase(it_);
  writer_ = nullptr;
}

}  // namespace fetch
