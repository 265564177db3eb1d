#pragma once
// fetch::ArchiveWriter: the one writer to the archive for every poll in the
// process — group commit. Complete messages from any account go into the
// batch (transaction) that is open right now; the batch is committed when it
// holds enough messages or bytes, or when a poll needs its messages durable
// (to send DELE, or to finish). After each commit every subscriber hears the
// outcome, so a poll learns that its messages are on disk even when another
// account's poll triggered the commit.
//
// A write transaction is not held across network waits: it blocks every
// other writer of the archive (a `poll-once` for another account would fail
// after its busy timeout), so a batch is committed at the latest
// Limits::max_batch_age (a few ms) after it was opened, by a timer on the
// loop. Group commit still saves fsyncs: what arrives within that window (a
// pipelined burst of messages) shares one.
//
// Why one shared batch: an SQLite connection holds one transaction, so polls
// cannot each keep their own open; and collecting messages per poll in memory
// until a private batch is written would multiply memory by the number of
// concurrent polls. Inserting at once keeps memory at one message per poll.
//
// Owns: the open store::Batch and the batch-age timer (a libuv handle on
// `loop`, closed by the destructor: run the loop once more afterwards so
// its close callback frees it). Never talks to a server. Not thread-safe (the
// loop's thread). Errors: Storage, from the archive.

#include <uv.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "net/uv.hpp"
#include "store/archive.hpp"

namespace fetch {

class ArchiveWriter {
 public:
  struct Limits {
    // A crash loses at most the open batch (which the next poll fetches
    // again); fsyncs stay few: one per this many messages or bytes.
    std::size_t max_messages = 500;
    std::size_t max_bytes = 16u * 1024 * 1024;
    // The longest an open batch (a held write lock) may wait for more
    // messages before it is committed.
    std::chrono::milliseconds max_batch_age{20};
  };

  // Told after every commit attempt: ok, or the error (the batch was rolled
  // back: none of its messages are stored).
  using Subscriber = std::function<void(const common::Status& outcome)>;
  class Subscription;

  ArchiveWriter(uv_loop_t* loop, store::Archive& archive, Limits limits);
  ArchiveWriter(const ArchiveWriter&) = delete;
  ArchiveWriter& operator=(const ArchiveWriter&) = delete;
  ~ArchiveWriter();  // rolls back an uncommitted batch: call commit() first

  store::Archive& archive() { return archive_; }

  // Adds a complete message to the open batch (opening one, and starting its
  // max_batch_age timer, when none is). See store::Batch::add_message for
  // what is stored (a new generation for a reused UIDL, AlreadyPresent for
  // the same bytes, `flags`). Durable only after the next successful commit.
  // An error rolls the batch back (and subscribers are told), so the
  // caller's earlier uncommitted messages are gone too.
  common::Result<store::AddOutcome> add(std::string_view account, std::string_view uidl, std::string_view raw,
                                        std::int64_t fetched_at, store::AddFlags flags = {});

  // Commits when the open batch reached a limit. Returns the commit's status,
  // or ok when nothing was due.
  common::Status commit_if_due();
  // Commits the open batch now, if there is one, and tells the subscribers.
  common::Status commit();

  bool has_uncommitted() const { return batch_.has_value(); }
  // Increases with every successful commit: a message added while commits()
  // was N is durable once commits() > N.
  std::uint64_t commits() const { return commits_; }

  // Records server-side deletion (after QUIT's +OK); commits an open batch first.
  common::Result<std::int64_t> mark_deleted(std::string_view account, std::span<const std::string> uidls,
                                            std::int64_t when);

  // The subscriber is called until the Subscription is destroyed (also
  // after a commit made by the batch-age timer, from the loop).
  Subscription subscribe(Subscriber subscriber);

  class Subscription {
   public:
    Subscription() = default;
    Subscription(Subscription&& other) noexcept;
    Subscription& operator=(Subscription&& other) noexcept;
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;
    ~Subscription();

   private:
    friend class ArchiveWriter;
    Subscription(ArchiveWriter* writer, std::uint64_t id) : writer_(writer), id_(id) {}
    void release();
    ArchiveWriter* writer_ = nullptr;
    std::uint64_t id_ = 0;
  };

 private:
  static void on_batch_age(uv_timer_t* timer);
  void notify(const common::Status& outcome);
  void roll_back(const common::Error& error);
  void end_batch();  // drops the batch (rolling back an uncommitted one), stops the timer

  store::Archive& archive_;
  Limits limits_;
  std::optional<store::Batch> batch_;
  std::size_t batch_messages_ = 0;
  std::size_t batch_bytes_ = 0;
  std::uint64_t commits_ = 0;
  // By id, never by iterator: a subscriber may unsubscribe itself or others
  // while being told.
  std::map<std::uint64_t, Subscriber> subscribers_;
  std::uint64_t next_subscriber_id_ = 1;
  net::UvHandlePtr<uv_timer_t> timer_;
};

}  // namespace fetch
