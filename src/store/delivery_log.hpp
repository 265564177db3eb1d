#pragma once
// store::DeliveryLog: the archive's record of which message reached which
// delivery target (schema v4): the one place that makes delivery exactly
// once. A message stored while its account has active targets gets a
// pending row per target in the same transaction (Batch::add_message); the
// delivery queue then claims rows (in_flight), delivers, and records each
// outcome here.
//
// A row whose attempt began but whose outcome was never recorded (the
// process died in between) keeps in_flight = 1: the next claim hands it out
// as "in doubt", and a target that can check (a Maildir, an mbox) looks
// before delivering again.
//
// Every write is its own transaction, durable when it returns (so a claim
// is on disk before anything is delivered); it is an error while a batch or
// a read transaction is open on the archive (the caller commits the
// ArchiveWriter's batch first). On a PostgreSQL archive (no delivery tables
// yet) set_targets() with no targets and totals() (none) succeed; everything
// else is a Storage error "not yet supported with a PostgreSQL archive". Reads see only committed rows when no batch
// is open. Errors: Storage. Not thread-safe (the Archive's thread).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "store/archive.hpp"

namespace store {

enum class DeliveryState { Pending = 0, Delivered = 1, Failed = 2 };

// A row the queue may deliver now.
struct DueDelivery {
  std::int64_t message_id = 0;
  std::int64_t attempts = 0;
  bool in_doubt = false;  // an earlier attempt's outcome was never recorded
};

// What one attempt came to, for record().
struct DeliveryRecord {
  std::int64_t message_id = 0;
  enum class Kind {
    Delivered,
    Retry,       // temporary failure: pending again from next_attempt_at
    Failed,      // permanent: not retried until retry_failed()
    NotStarted,  // claimed but never attempted (the run stopped early): as before the claim
  } kind = Kind::Delivered;
  std::int64_t next_attempt_at = 0;  // Retry only
  std::string error;                 // Retry and Failed
};

// Per account and target, for /health, status and /metrics.
struct DeliveryTotals {
  std::string account;
  std::string target;
  bool active = true;  // still in the config
  std::int64_t delivered = 0;
  std::int64_t pending = 0;
  std::int64_t failed = 0;
  std::int64_t attempts_failing = 0;  // pending rows that have failed at least once
  std::optional<std::int64_t> last_delivered_at;
  std::string last_error;  // of the most recently failed row, "" when none
};

// One archived message as a target gets it.
struct StoredMessage {
  std::int64_t id = 0;
  std::string account;
  std::string uidl;
  std::int64_t fetched_at = 0;
  std::string raw;
};

class DeliveryLog {
 public:
  explicit DeliveryLog(Archive& archive) : archive_(archive) {}

  // The targets `account` delivers to now (config::DeliveryTarget::key()):
  // a key seen for the first time starts with the messages stored from now
  // on; a key no longer listed becomes inactive (its rows stay, new
  // messages get none); one listed again becomes active again.
  common::Status set_targets(std::string_view account, std::span<const std::string> keys, std::int64_t now);

  // Pending rows of (account, target) due at `now`, lowest message id first.
  common::Result<std::vector<DueDelivery>> due(std::string_view account, std::string_view target,
                                               std::int64_t now, std::int64_t limit);
  // When the next pending row of (account, target) falls due; nullopt: none pending.
  common::Result<std::optional<std::int64_t>> next_due(std::string_view account, std::string_view target);

  // Marks the rows in flight before anything is delivered.
  common::Status claim(std::string_view target, std::span<const std::int64_t> message_ids);
  // Records outcomes and clears in_flight; attempts grow for every kind but NotStarted.
  common::Status record(std::string_view target, std::span<const DeliveryRecord> records, std::int64_t now);

  // Queues messages of `account` stored at or after `since` (all when
  // nullopt) for `target` again if they have no row yet, or their row
  // failed. Delivered rows stay delivered. Returns how many became pending.
  common::Result<std::int64_t> backfill(std::string_view account, std::string_view target,
                                        std::optional<std::int64_t> since);
  // Failed rows of `account` (every target), and pending ones waiting for a
  // retry, become due now. Returns how many.
  common::Result<std::int64_t> retry_failed(std::string_view account);

  common::Result<std::vector<DeliveryTotals>> totals();

  // The message with this archive id, raw bytes included; nullopt when none.
  common::Result<std::optional<StoredMessage>> message(std::int64_t id);

 private:
  Archive& archive_;
};

}  // namespace store
