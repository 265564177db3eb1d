#include "store/transaction.hpp"

#include "store/database.hpp"

namespace store {

common::Result<Transaction> Transaction::begin(Database& db) {
  if (sqlite3_exec(db.handle(), "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return db.error("starting a transaction");
  }
  return Transaction(db.handle());
}

Transaction& Transaction::operator=(Transaction&& other) noexcept {
  if (this != &other) {
    rollback();
    db_ = other.db_;
    other.db_ = nullptr;
  }
  return *this;
}

common::Status Transaction::commit() {
  if (db_ == nullptr)
    return common::make_error(common::ErrorKind::Storage, "committing: no open transaction");
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    common::Error error = storage_error(db_, "committing");
    rollback();  // a failed COMMIT may leave the transaction open
    return error;
  }
  db_ = nullptr;
  return {};
}

void Transaction::rollback() {
  if (db_ == nullptr) return;
  // Only roll back if SQLite still has the transaction: it may already have
  // rolled it back itself after an I/O or full-disk error.
  if (sqlite3_get_autocommit(db_) == 0) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  db_ = nullptr;
}

}  // namespace store
