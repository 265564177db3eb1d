#include "store/archive.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "common/log.hpp"
#include "store/archive_impl.hpp"
#include "store/database.hpp"
#include "store/file_mode.hpp"
#include "store/header_block.hpp"
#include "store/message_index.hpp"
#include "store/schema.hpp"
#include "store/statement.hpp"
#include "store/transaction.hpp"

namespace store {
namespace {

// A writer (another popfetchd, a `list` holding a read lock during a
// checkpoint) is waited for this long before a statement fails with "busy".
constexpr int kBusyTimeoutMs = 5000;

// Page size of a new archive (an existing one keeps its own: SQLite cannot
// change it in WAL mode). Every page written costs two write calls to the
// WAL and one to the database at the checkpoint, and most of what is written
// is message bytes: 16 KiB pages need a quarter of the calls of the default
// 4 KiB. Measured with bench/ data (poll-once, median of 5): 5,000 x 2 KB
// 0.85 -> 0.65 s, 1,000 mixed (38 MB) 1.34 -> 1.17 s; the file grows ~5%.
constexpr int kPageSize = 16 * 1024;

bool is_memory(const std::string& path) { return path == ":memory:" || path.empty(); }
bool is_uri(const std::string& path) { return path.rfind("file:", 0) == 0; }

// SQLite would report a missing directory as "unable to open database file";
// say what is actually wrong, and that creating it is the admin's job.
common::Status check_parent_directory(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  struct stat info {};
  if (::stat(dir.c_str(), &info) != 0) {
    return storage("opening database " + path + ": directory " + dir + " does not exist (" +
                   std::strerror(errno) + "); create it, popfetchd does not");
  }
  if (!S_ISDIR(info.st_mode)) return storage("opening database " + path + ": " + dir + " is not a directory");
  // SQLite would say "unable to open database file (No such file or
  // directory)" for a new database in a directory we may not write to.
  if (::stat(path.c_str(), &info) != 0 && errno == ENOENT &&
      ::faccessat(AT_FDCWD, dir.c_str(), W_OK | X_OK, AT_EACCESS) != 0) {
    return storage("opening database " + path + ": cannot create it, directory " + dir +
                   " is not writable (" + std::strerror(errno) + ")");
  }
  return {};
}

// Said whenever SQLite reports SQLITE_READONLY: WAL mode needs the -wal and
// -shm files next to the database, so the directory matters too.
constexpr std::string_view kWritableHint =
    " (popfetchd must be able to write the database file and its directory)";

common::Error with_read_only_hint(const Database& db, common::Error error) {
  if ((sqlite3_extended_errcode(db.handle()) & 0xff) == SQLITE_READONLY) error.message += kWritableHint;
  return error;
}

}  // namespace

common::Status Archive::Impl::prepare(std::optional<Statement>& slot, std::string_view sql,
                                      std::string_view what) {
  auto stmt = db.prepare(sql, what);
  if (!stmt) return stmt.error();
  slot.emplace(std::move(*stmt));
  return {};
}

common::Status Archive::Impl::prepare_all() {
  common::Status s;
  s = prepare(rows_of_uidl,
                "SELECT id, generation, short_retr, size, raw FROM messages WHERE account = ?1 AND uidl = ?2",
                "looking up a message");
  if (s)
    s = prepare(
        insert,
        "INSERT INTO messages (account, uidl, generation, size, fetched_at, raw, short_retr, listed_size,"
        " message_id, from_addr, to_addr, subject, date, deleted_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        "storing a message");
  if (s)
    s = prepare(row_at, "SELECT size, raw FROM messages WHERE account = ?1 AND uidl = ?2 AND generation = ?3",
                "looking up a copied message");
  if (s) s = prepare(insert_fts, kInsertFtsSql, "indexing a message");
  if (s)
    s = prepare(clear_short,
                "UPDATE messages SET short_retr = 0, listed_size = coalesce(?2, listed_size) WHERE id = ?1",
                "storing a message");
  if (s)
    s = prepare(copies_stmt,
                "SELECT id, size, fetched_at, deleted_at, short_retr, listed_size FROM messages"
                " WHERE account = ?1 AND uidl = ?2 ORDER BY generation",
                "looking up stored copies");
  if (s) s = prepare(raw_of, "SELECT raw FROM messages WHERE id = ?1", "reading a stored message");
  if (s)
    s = prepare(same_bytes, "SELECT 1 FROM messages WHERE account = ?1 AND size = ?2 AND raw = ?3 LIMIT 1",
                "looking up a message by its bytes");
  if (s)
    s = prepare(queue_deliveries,
                "INSERT INTO deliveries (message_id, target, account)"
                " SELECT ?1, target, account FROM delivery_targets WHERE account = ?2 AND active = 1",
                "queueing deliveries");
  if (s)
    s = prepare(mark_deleted_stmt,
                "UPDATE messages SET deleted_at = ?3 WHERE account = ?1 AND uidl = ?2 AND deleted_at IS NULL",
                "marking a message deleted");
  if (s) s = prepare_queries();
  return s;
}

// One index range: the rows of (account, uidl), usually none. Bytes are
// compared only when the sizes match.
common::Result<Archive::Impl::Existing> Archive::Impl::find_existing(std::string_view account,
                                                                     std::string_view uidl,
                                                                     std::string_view raw) {
  Existing found;
  auto& stmt = *rows_of_uidl;
  auto use = stmt.use();
  if (auto s = stmt.bind_all(account, uidl); !s) return s.error();
  while (true) {
    auto row = stmt.step();
    if (!row) return row.error();
    if (!*row) return found;
    found.next_generation = std::max(found.next_generation, stmt.column_int64(1) + 1);
    if (!found.same_id && stmt.column_int64(3) == static_cast<std::int64_t>(raw.size()) &&
        stmt.column_blob(4) == raw) {
      found.same_id = stmt.column_int64(0);
      found.same_is_short = stmt.column_int64(2) != 0;
    }
  }
}

common::Result<AddOutcome> Archive::Impl::insert_message(std::string_view account, std::string_view uidl,
                                                         std::string_view raw, std::int64_t fetched_at,
                                                         const AddFlags& flags) {
  if (account.empty() || uidl.empty()) return storage("storing a message: empty account name or UIDL");
  auto existing = find_existing(account, uidl, raw);
  if (!existing) return existing.error();
  std::optional<std::int64_t> listed_size;
  if (flags.listed_size) listed_size = static_cast<std::int64_t>(*flags.listed_size);
  if (existing->same_id) {
    if (existing->same_is_short && !flags.short_retr) {
      // A full copy of what was stored short: the flag no longer holds.
      auto use = clear_short->use();
      if (auto s = clear_short->bind_all(*existing->same_id, listed_size); !s) return s.error();
      if (auto done = clear_short->step(); !done) return done.error();
    }
    return AddOutcome::AlreadyPresent;
  }
  ArchivedRow row{std::string(account), std::string(uidl), existing->next_generation, fetched_at,
                  std::nullopt,           flags.short_retr,   listed_size};
  auto id = store_row(row, raw);
  if (!id) return id.error();
  if (!flags.queue_delivery) return AddOutcome::Stored;
  // In the same transaction as the message: committed together or not at all.
  auto use = queue_deliveries->use();
  if (auto s = queue_deliveries->bind_all(*id, account); !s) return s.error();
  if (auto done = queue_deliveries->step(); !done) return done.error();
  return AddOutcome::Stored;
}

// The row and its search index; header fields derived from `raw`.
common::Result<std::int64_t> Archive::Impl::store_row(const ArchivedRow& row, std::string_view raw) {
  DerivedFields fields;
  try {
    fields = derive_fields(raw);
  } catch (...) {
    // Parsing is best effort; the raw message is what must never be lost.
    fields = DerivedFields{};
  }
  {
    auto use = insert->use();
    const auto& h = fields.headers;
    if (auto s = insert->bind_all(row.account, row.uidl, row.generation, static_cast<std::int64_t>(raw.size()),
                                  row.fetched_at, Blob{raw}, row.short_retr ? 1 : 0, row.listed_size,
                                  h.message_id, h.from, h.to, h.subject, h.date, row.deleted_at);
        !s) {
      return s.error();
    }
    auto done = insert->step();
    if (!done) return done.error();
  }
  const std::int64_t id = db.last_insert_rowid();
  if (auto s = store::insert_fts(*insert_fts, id, fields); !s) return s.error();
  return id;
}

common::Result<AddOutcome> Archive::Impl::insert_copy(const ArchivedRow& row, std::string_view raw) {
  if (row.account.empty() || row.uidl.empty()) return storage("copying a message: empty account name or UIDL");
  {
    auto& stmt = *row_at;
    auto use = stmt.use();
    if (auto s = stmt.bind_all(row.account, row.uidl, row.generation); !s) return s.error();
    auto found = stmt.step();
    if (!found) return found.error();
    if (*found) {
      if (stmt.column_int64(0) == static_cast<std::int64_t>(raw.size()) && stmt.column_blob(1) == raw) {
        return AddOutcome::AlreadyPresent;
      }
      return storage(copy_conflict(row));
    }
  }
  auto id = store_row(row, raw);
  if (!id) return id.error();
  return AddOutcome::Stored;
}

// ---- Batch

namespace {

class SqliteBatch final : public BatchBackend {
 public:
  SqliteBatch(Archive::Impl* impl, Transaction transaction) : impl_(impl), transaction_(std::move(transaction)) {}
  SqliteBatch(const SqliteBatch&) = delete;
  SqliteBatch& operator=(const SqliteBatch&) = delete;
  ~SqliteBatch() override {
    transaction_.rollback();
    impl_->batch_open = false;
  }

  common::Result<AddOutcome> add_message(std::string_view account, std::string_view uidl, std::string_view raw,
                                         std::int64_t fetched_at, const AddFlags& flags) override {
    auto outcome = impl_->insert_message(account, uidl, raw, fetched_at, flags);
    if (!outcome) return with_read_only_hint(impl_->db, outcome.error());
    return outcome;
  }

  common::Result<AddOutcome> add_imported(std::string_view account, std::string_view raw, std::int64_t fetched_at,
                                          const Sha256Function& sha256) override {
    {
      auto& stmt = *impl_->same_bytes;
      auto use = stmt.use();
      if (auto s = stmt.bind_all(account, static_cast<std::int64_t>(raw.size()), Blob{raw}); !s) {
        return s.error();
      }
      auto row = stmt.step();
      if (!row) return row.error();
      if (*row) return AddOutcome::AlreadyPresent;
    }
    // Imported mail came from a mailbox already: handing it to the account's
    // delivery targets could put it back where it came from. `deliver --all`
    // queues it on request.
    AddFlags flags;
    flags.queue_delivery = false;
    return add_message(account, imported_uidl(raw, sha256), raw, fetched_at, flags);
  }

  common::Result<AddOutcome> add_copy(const ArchivedRow& row, std::string_view raw,
                                      const Sha256Function& /*sha256: the bytes are local*/) override {
    auto outcome = impl_->insert_copy(row, raw);
    if (!outcome) return with_read_only_hint(impl_->db, outcome.error());
    return outcome;
  }

  common::Status commit() override {
    auto status = transaction_.commit();
    if (!status) status = with_read_only_hint(impl_->db, status.error());
    return status;
  }

 private:
  Archive::Impl* impl_;
  Transaction transaction_;
};

}  // namespace

// ---- Archive::Impl

common::Result<std::unique_ptr<Archive::Impl>> Archive::Impl::open(const std::string& path) {
  const std::string context = "opening database " + (path.empty() ? std::string(":memory:") : path);
  if (!is_memory(path) && !is_uri(path)) {
    if (auto s = check_parent_directory(path); !s) return s.error();
    secure_database_files(path);
  }
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  if (is_uri(path)) flags |= SQLITE_OPEN_URI;
  auto db = Database::open(path.empty() ? ":memory:" : path, flags);
  if (!db) return db.error();
  sqlite3_busy_timeout(db->handle(), kBusyTimeoutMs);
  if (db->read_only()) return storage(context + ": the database is read-only" + std::string(kWritableHint));
  // The first statement is where SQLite reads the file: a corrupt file ("file
  // is not a database") or an unreadable one fails here, with `context`.
  auto version = db->query_int64("PRAGMA user_version", context);
  if (!version) return with_read_only_hint(*db, version.error());
  if (*version > kSchemaVersion) {
    return storage(context + ": database schema version " + std::to_string(*version) +
                   " is newer than this popfetchd supports (" + std::to_string(kSchemaVersion) +
                   "); upgrade popfetchd");
  }
  if (*version == 0) {
    // Only a new (empty) database takes a page size, and only before WAL.
    if (auto s =
            db->exec("PRAGMA page_size = " + std::to_string(kPageSize), context + ": setting the page size");
        !s) {
      return with_read_only_hint(*db, s.error());
    }
  }
  if (!is_memory(path)) {
    auto mode = db->query_text("PRAGMA journal_mode = WAL", context + ": enabling WAL");
    if (!mode) return with_read_only_hint(*db, mode.error());
    if (*mode != "wal") {
      common::log_warn("", "database " + path + " does not support WAL (journal mode is " + *mode +
                               "); concurrent readers may wait for the daemon");
    }
  }
  if (auto s = db->exec("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON", context + ": setting pragmas");
      !s) {
    return with_read_only_hint(*db, s.error());
  }
  if (auto s = migrate(*db, path); !s)
    return with_read_only_hint(*db, storage(context + ": " + s.error().message));

  auto impl = std::make_unique<Impl>(path.empty() ? ":memory:" : path, std::move(*db));
  if (auto s = impl->prepare_all(); !s) return storage(context + ": " + s.error().message);
  return impl;
}

bool Archive::Impl::begin_read() {
  if (batch_open || read_open || sqlite3_get_autocommit(db.handle()) == 0) return false;
  if (sqlite3_exec(db.handle(), "BEGIN", nullptr, nullptr, nullptr) != SQLITE_OK) return false;
  read_open = true;
  return true;
}

void Archive::Impl::end_read() {
  // Nothing was written: ending it can only release the read lock.
  if (sqlite3_get_autocommit(db.handle()) == 0) sqlite3_exec(db.handle(), "COMMIT", nullptr, nullptr, nullptr);
  read_open = false;
}

common::Result<std::unique_ptr<BatchBackend>> Archive::Impl::begin_batch() {
  if (batch_open) return storage("starting a batch: another batch is still open on this archive");
  if (read_open) return storage("starting a batch: a read transaction is still open on this archive");
  auto transaction = Transaction::begin(db);
  if (!transaction) return with_read_only_hint(db, transaction.error());
  batch_open = true;
  return std::unique_ptr<BatchBackend>(std::make_unique<SqliteBatch>(this, std::move(*transaction)));
}

common::Result<std::int64_t> Archive::Impl::mark_deleted(std::string_view account,
                                                         std::span<const std::string> uidls, std::int64_t when) {
  if (batch_open) return storage("marking messages deleted: a batch is still open on this archive");
  if (read_open) return storage("marking messages deleted: a read transaction is still open on this archive");
  auto transaction = Transaction::begin(db);
  if (!transaction) return with_read_only_hint(db, transaction.error());
  std::int64_t marked = 0;
  auto& stmt = *mark_deleted_stmt;
  for (const auto& uidl : uidls) {
    auto use = stmt.use();
    if (auto s = stmt.bind_all(account, uidl, when); !s) return s.error();
    if (auto done = stmt.step(); !done) return done.error();
    marked += db.changes();
  }
  if (auto s = transaction->commit(); !s) return s.error();
  return marked;
}

common::Result<std::vector<StoredCopy>> Archive::Impl::copies(std::string_view account, std::string_view uidl) {
  auto& stmt = *copies_stmt;
  auto use = stmt.use();
  if (auto s = stmt.bind_all(account, uidl); !s) return s.error();
  std::vector<StoredCopy> out;
  while (true) {
    auto row = stmt.step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back(StoredCopy{stmt.column_int64(0), stmt.column_int64(1), stmt.column_int64(2),
                             stmt.column_optional_int64(3), stmt.column_int64(4) != 0,
                             stmt.column_optional_int64(5)});
  }
}

common::Result<std::string> Archive::Impl::header_block(std::int64_t id) {
  auto& stmt = *raw_of;
  auto use = stmt.use();
  if (auto s = stmt.bind_all(id); !s) return s.error();
  auto row = stmt.step();
  if (!row) return row.error();
  if (!*row) return storage("reading a stored header: no message with id " + std::to_string(id));
  return std::string(header_block_of(stmt.column_blob(0)));
}

common::Result<std::optional<std::string>> Archive::Impl::raw_message(std::int64_t id) {
  auto& stmt = *raw_of;
  auto use = stmt.use();
  if (auto s = stmt.bind_all(id); !s) return s.error();
  auto row = stmt.step();
  if (!row) return row.error();
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(stmt.column_blob(0));
}

common::Result<bool> Archive::Impl::still_in_place() {
  if (is_memory(path_)) return true;
  int moved = 0;
  const int rc = sqlite3_file_control(db.handle(), "main", SQLITE_FCNTL_HAS_MOVED, &moved);
  if (rc != SQLITE_OK) {
    return storage("checking that database " + path_ + " is still in place: " + sqlite3_errstr(rc));
  }
  return moved == 0;
}

}  // namespace store
