#pragma once
// store::Transaction: one BEGIN IMMEDIATE ... COMMIT on a connection it does
// not own. Destroyed without a successful commit() it rolls back, so an early
// return or an error path can never leave half a batch behind. IMMEDIATE takes
// the write lock up front, so a concurrent writer (another popfetchd) makes
// begin() wait busy_timeout and then fail, instead of failing at COMMIT.
// Errors are Storage errors.

#include <sqlite3.h>

#include "common/result.hpp"

namespace store {

class Database;

class Transaction {
 public:
  static common::Result<Transaction> begin(Database& db);

  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&& other) noexcept;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction() { rollback(); }

  // Durable once this returns OK (the archive runs with synchronous=FULL).
  common::Status commit();
  // Idempotent; also what the destructor does.
  void rollback();

  bool active() const { return db_ != nullptr; }

 private:
  explicit Transaction(sqlite3* db) : db_(db) {}
  sqlite3* db_;  // null once committed or rolled back
};

}  // namespace store
