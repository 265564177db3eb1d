// The delivery bookkeeping of schema v4; see delivery_log.hpp.
#include "store/delivery_log.hpp"

#include "store/archive_impl.hpp"
#include "store/transaction.hpp"

namespace store {
namespace {

// Runs `body` in its own durable transaction on `impl`'s connection.
template <class Body>
common::Status in_transaction(Archive::Impl& impl, std::string_view what, Body body) {
  if (impl.batch_open) return storage(std::string(what) + ": a batch is still open on this archive");
  if (impl.read_open) return storage(std::string(what) + ": a read transaction is still open on this archive");
  auto transaction = Transaction::begin(impl.db);
  if (!transaction) return transaction.error();
  if (auto s = body(); !s) return s;
  return transaction->commit();
}

common::Status run(Statement& stmt) {
  auto done = stmt.step();
  if (!done) return done.error();
  return {};
}

}  // namespace

common::Status DeliveryLog::set_targets(std::string_view account, std::span<const std::string> keys,
                                        std::int64_t now) {
  // A PostgreSQL archive has no delivery tables yet: an account without
  // targets (every one, as the config refuses targets there) needs none.
  if (archive_.impl_ == nullptr) {
    return keys.empty() ? common::Status{} : not_supported_on_postgres("delivering to targets");
  }
  auto& impl = *archive_.impl_;
  return in_transaction(impl, "recording the delivery targets", [&]() -> common::Status {
    auto off = impl.db.prepare("UPDATE delivery_targets SET active = 0 WHERE account = ?1", "delivery targets");
    if (!off) return off.error();
    if (auto s = off->bind_all(account); !s) return s;
    if (auto s = run(*off); !s) return s;
    auto on = impl.db.prepare(
        "INSERT INTO delivery_targets (account, target, active, added_at) VALUES (?1, ?2, 1, ?3)"
        " ON CONFLICT (account, target) DO UPDATE SET active = 1",
        "delivery targets");
    if (!on) return on.error();
    for (const auto& key : keys) {
      auto use = on->use();
      if (auto s = on->bind_all(account, key, now); !s) return s;
      if (auto s = run(*on); !s) return s;
    }
    return {};
  });
}

common::Result<std::vector<DueDelivery>> DeliveryLog::due(std::string_view account, std::string_view target,
                                                          std::int64_t now, std::int64_t limit) {
  if (archive_.impl_ == nullptr) return not_supported_on_postgres("delivering to targets");
  auto stmt = archive_.impl_->db.prepare(
      "SELECT message_id, attempts, in_flight FROM deliveries"
      " WHERE account = ?1 AND target = ?2 AND state = 0 AND next_attempt_at <= ?3"
      " ORDER BY message_id LIMIT ?4",
      "reading due deliveries");
  if (!stmt) return stmt.error();
  if (auto s = stmt->bind_all(account, target, now, limit); !s) return s.error();
  std::vector<DueDelivery> out;
  while (true) {
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back({stmt->column_int64(0), stmt->column_int64(1), stmt->column_int64(2) != 0});
  }
}

common::Result<std::optional<std::int64_t>> DeliveryLog::next_due(std::string_view account,
                                                                  std::string_view target) {
  if (archive_.impl_ == nullptr) return not_supported_on_postgres("delivering to targets");
  auto stmt = archive_.impl_->db.prepare(
      "SELECT min(next_attempt_at) FROM deliveries WHERE account = ?1 AND target = ?2 AND state = 0",
      "reading the next delivery");
  if (!stmt) return stmt.error();
  if (auto s = stmt->bind_all(account, target); !s) return s.error();
  auto row = stmt->step();
  if (!row) return row.error();
  return stmt->column_optional_int64(0);
}

common::Status DeliveryLog::claim(std::string_view target, std::span<const std::int64_t> message_ids) {
  if (archive_.impl_ == nullptr) return not_supported_on_postgres("delivering to targets");
  auto& impl = *archive_.impl_;
  return in_transaction(impl, "claiming deliveries", [&]() -> common::Status {
    auto stmt = impl.db.prepare("UPDATE deliveries SET in_flight = 1 WHERE target = ?1 AND message_id = ?2",
                                "claiming deliveries");
    if (!stmt) return stmt.error();
    for (const auto id : message_ids) {
      auto use = stmt->use();
      if (auto s = stmt->bind_all(target, id); !s) return s;
      if (auto s = run(*stmt); !s) return s;
    }
    return {};
  });
}

common::Status DeliveryLog::record(std::string_view target, std::span<const DeliveryRecord> records,
                                   std::int64_t now) {
  if (archive_.impl_ == nullptr) return not_supported_on_postgres("delivering to targets");
  auto& impl = *archive_.impl_;
  return in_transaction(impl, "recording deliveries", [&]() -> common::Status {
    auto stmt = impl.db.prepare(
        "UPDATE deliveries SET in_flight = 0,"
        " state = ?3, attempts = attempts + ?4, next_attempt_at = ?5,"
        " delivered_at = CASE WHEN ?3 = 1 THEN ?6 ELSE delivered_at END,"
        " last_error = CASE WHEN ?7 IS NULL THEN last_error ELSE ?7 END"
        " WHERE target = ?1 AND message_id = ?2",
        "recording deliveries");
    if (!stmt) return stmt.error();
    for (const auto& r : records) {
      using Kind = DeliveryRecord::Kind;
      const int state = r.kind == Kind::Delivered ? 1 : (r.kind == Kind::Failed ? 2 : 0);
      const int attempts = r.kind == Kind::NotStarted ? 0 : 1;
      const std::int64_t next = r.kind == Kind::Retry ? r.next_attempt_at : 0;
      std::optional<std::string> error;
      if (r.kind == Kind::Retry || r.kind == Kind::Failed) error = r.error;
      auto use = stmt->use();
      if (auto s = stmt->bind_all(target, r.message_id, state, attempts, next, now, error); !s) return s;
      if (auto s = run(*stmt); !s) return s;
    }
    return {};
  });
}

common::Result<std::int64_t> DeliveryLog::backfill(std::string_view account, std::string_view target,
                                                   std::optional<std::int64_t> since) {
  if (archive_.impl_ == nullptr) return not_supported_on_postgres("delivering to targets");
  auto& impl = *archive_.impl_;
  std::int64_t queued = 0;
  auto status = in_transaction(impl, "queueing a backfill", [&]() -> common::Status {
    auto retry = impl.db.prepare(
        "UPDATE deliveries SET state = 0, next_attempt_at = 0 WHERE target = ?2 AND state = 2 AND message_id IN"
        " (SELECT id FROM messages WHERE account = ?1 AND (?3 IS NULL OR fetched_at >= ?3))",
        "queueing a backfill");
    if (!retry) return retry.error();
    if (auto s = retry->bind_all(account, target, since); !s) return s;
    if (auto s = run(*retry); !s) return s;
    queued += impl.db.changes();
    auto add = impl.db.prepare(
        "INSERT OR IGNORE INTO deliveries (message_id, target, account)"
        " SELECT id, ?2, account FROM messages WHERE account = ?1 AND (?3 IS NULL OR fetched_at >= ?3)"
        " ORDER BY id",
        "queueing a backfill");
    if (!add) return add.error();
    if (auto s = add->bind_all(account, target, since); !s) return s;
    if (auto s = run(*add); !s) return s;
    queued += impl.db.changes();
    return {};
  });
  if (!status) return status.error();
  return queued;
}

common::Result<std::int64_t> DeliveryLog::retry_failed(std::string_view account) {
  if (archive_.impl_ == nullptr) return not_supported_on_postgres("delivering to targets");
  auto& impl = *archive_.impl_;
  std::int64_t changed = 0;
  auto status = in_transaction(impl, "retrying failed deliveries", [&]() -> common::Status {
    auto stmt = impl.db.prepare(
        "UPDATE deliveries SET state = 0, next_attempt_at = 0"
        " WHERE account = ?1 AND (state = 2 OR (state = 0 AND next_attempt_at > 0))",
        "retrying failed deliveries");
    if (!stmt) return stmt.error();
    if (auto s = stmt->bind_all(account); !s) return s;
    if (auto s = run(*stmt); !s) return s;
    changed = impl.db.changes();
    return {};
  });
  if (!status) return status.error();
  return changed;
}

common::Result<std::vector<DeliveryTotals>> DeliveryLog::totals() {
  if (archive_.impl_ == nullptr) return std::vector<DeliveryTotals>{};  // nothing is ever queued there
  auto stmt = archive_.impl_->db.prepare(
      "SELECT t.account, t.target, t.active,"
      " (SELECT count(*) FROM deliveries d WHERE d.account = t.account AND d.target = t.target AND state = 1),"
      " (SELECT count(*) FROM deliveries d WHERE d.account = t.account AND d.target = t.target AND state = 0),"
      " (SELECT count(*) FROM deliveries d WHERE d.account = t.account AND d.target = t.target AND state = 2),"
      " (SELECT count(*) FROM deliveries d WHERE d.account = t.account AND d.target = t.target AND state = 0"
      "    AND attempts > 0),"
      " (SELECT max(delivered_at) FROM deliveries d WHERE d.account = t.account AND d.target = t.target),"
      " (SELECT last_error FROM deliveries d WHERE d.account = t.account AND d.target = t.target"
      "    AND state <> 1 AND last_error IS NOT NULL ORDER BY message_id DESC LIMIT 1)"
      " FROM delivery_targets t ORDER BY t.account, t.target",
      "counting deliveries");
  if (!stmt) return stmt.error();
  std::vector<DeliveryTotals> out;
  while (true) {
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) return out;
    DeliveryTotals t;
    t.account = stmt->column_text(0);
    t.target = stmt->column_text(1);
    t.active = stmt->column_int64(2) != 0;
    t.delivered = stmt->column_int64(3);
    t.pending = stmt->column_int64(4);
    t.failed = stmt->column_int64(5);
    t.attempts_failing = stmt->column_int64(6);
    t.last_delivered_at = stmt->column_optional_int64(7);
    t.last_error = stmt->column_text(8);
    out.push_back(std::move(t));
  }
}

common::Result<std::optional<StoredMessage>> DeliveryLog::message(std::int64_t id) {
  if (archive_.impl_ == nullptr) return not_supported_on_postgres("delivering to targets");
  auto stmt = archive_.impl_->db.prepare("SELECT account, uidl, fetched_at, raw FROM messages WHERE id = ?1",
                                         "reading a message to deliver");
  if (!stmt) return stmt.error();
  if (auto s = stmt->bind_all(id); !s) return s.error();
  auto row = stmt->step();
  if (!row) return row.error();
  if (!*row) return std::optional<StoredMessage>{};
  return std::optional<StoredMessage>{
      StoredMessage{id, stmt->column_text(0), stmt->column_text(1), stmt->column_int64(2),
                    std::string(stmt->column_blob(3))}};
}

}  // namespace store
