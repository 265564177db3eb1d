#pragma once
// store::Archive: the popfetchd message archive (DESIGN.md §3) in one SQLite
// database file, or in PostgreSQL when the database is a "postgresql://" URI
// (archive_backend.hpp: one interface, two implementations; the PostgreSQL
// one is described in pg_archive.hpp). Owns the connection and its prepared
// statements; runs the schema migrations at open (schema.hpp, pg_schema.cpp). It never talks to a POP3 server,
// never hashes (see content_hash.hpp) and never creates the database's parent
// directory: a missing directory is a clear error at open.
//
// Durability: journal_mode=WAL with synchronous=FULL, so a commit that
// returned OK is on disk. That is what makes "DELE only after the commit"
// (the nothing-is-ever-lost invariant) safe.
//
// One connection holds at most one transaction: one Batch at a time. Several
// accounts polling on the same libuv loop should each collect their messages
// and write a batch in one synchronous go (begin_batch, add_message..., commit)
// rather than keep a batch open across callbacks; a second begin_batch while
// one is open is an error, never a silent nesting.
//
// Files: a new database is created 0600 whatever the umask (its -wal and -shm
// take the database file's mode); an existing one, or its -wal/-shm, open to
// group or others is tightened to the owner's bits at open (a warning, not an
// error, when we may not: the file is someone else's).
//
// Every error is common::Error{Storage, "<what we were doing>: <reason>"}.
// Not thread-safe: use one Archive per thread (or process).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "store/content_hash.hpp"

namespace store {

// Stored: a new row (a new generation when the UIDL was already stored with
// other bytes). AlreadyPresent: a row of that (account, uidl) holds these
// exact bytes; nothing new was written (except clearing its short_retr flag
// when this copy is not short).
enum class AddOutcome { Stored, AlreadyPresent };

// What the fetch path knows about a message beyond its bytes.
struct AddFlags {
  // Stored although clearly shorter than its LIST size: it must not be DELEted.
  bool short_retr = false;
  // The size LIST announced, when known.
  std::optional<std::uint64_t> listed_size;
  // Queue a new row for the account's active delivery targets (schema v4)
  // in the same transaction. False for `import`.
  bool queue_delivery = true;
};

// One stored row of an (account, uidl), for the listing's deletion rule.
struct StoredCopy {
  std::int64_t id = 0;
  std::int64_t size = 0;  // bytes of raw
  std::int64_t fetched_at = 0;
  std::optional<std::int64_t> deleted_at;
  bool short_retr = false;
  std::optional<std::int64_t> listed_size;  // LIST's size when it was fetched (unknown for old rows)
};

// One archived message as `list`, `search` and export see it.
struct MessageSummary {
  std::int64_t id = 0;
  std::string account;
  std::string uidl;
  std::optional<std::int64_t> date;  // the Date: header, unix seconds
  std::string from;                  // decoded From:, "" when missing
  std::string subject;               // decoded Subject:, "" when missing
  std::int64_t size = 0;             // bytes of raw
  std::int64_t fetched_at = 0;
  std::optional<std::int64_t> deleted_at;
};

// One stored row with everything that makes it what it is but its id (which
// each archive assigns): what `popfetchd migrate --to` copies.
struct ArchivedRow {
  std::string account;
  std::string uidl;
  std::int64_t generation = 0;
  std::int64_t fetched_at = 0;
  std::optional<std::int64_t> deleted_at;
  bool short_retr = false;
  std::optional<std::int64_t> listed_size;
};

struct AccountTotals {
  std::string account;
  std::int64_t messages = 0;
  std::int64_t bytes = 0;
};

// For list() and search(): no LIMIT.
inline constexpr std::int64_t kNoLimit = -1;

class Archive;
class ArchiveBackend;
class BatchBackend;

// A write transaction holding newly fetched messages. Rolled back when
// destroyed without commit(). Must not outlive the Archive that made it.
class Batch {
 public:
  Batch(Batch&& other) noexcept;
  Batch& operator=(Batch&&) = delete;
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;
  ~Batch();

  // Stores `raw` (bytes exactly as given) unless a row of (account, uidl)
  // already holds these exact bytes (AlreadyPresent; a short_retr flag on
  // that row is cleared when `flags` is not short). Different bytes under a
  // stored UIDL (the server reused it) become a new row with the next
  // generation: neither message is lost. Header fields and the search index
  // are derived here; a message whose headers cannot be parsed is still
  // stored, with NULL header fields. After an error, drop the batch (it rolls
  // back) and start a new one.
  common::Result<AddOutcome> add_message(std::string_view account, std::string_view uidl,
                                         std::string_view raw, std::int64_t fetched_at, AddFlags flags = {});
  // A message no server holds (`popfetchd import`): stored under
  // imported_uidl(raw) (content_hash.hpp) unless a row of `account`, under
  // any uidl (fetched or imported), already holds these exact bytes
  // (AlreadyPresent). Errors as add_message.
  common::Result<AddOutcome> add_imported(std::string_view account, std::string_view raw,
                                          std::int64_t fetched_at, const Sha256Function& sha256);
  // A row copied from another archive (`migrate --to`), stored as it was:
  // same generation, fetched_at, deleted_at, short_retr and listed_size;
  // header fields and the search index are derived again. AlreadyPresent
  // when (account, uidl, generation) already holds these bytes (a resumed
  // copy); a Storage error naming the row when it holds other bytes.
  // `sha256` lets a remote archive compare digests instead of resending bytes.
  // Never queues deliveries.
  common::Result<AddOutcome> add_copy(const ArchivedRow& row, std::string_view raw, const Sha256Function& sha256);
  // Durable when this returns OK; only then may the messages be DELEted.
  common::Status commit();

 private:
  friend class Archive;
  struct State;
  explicit Batch(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

class Archive {
 public:
  struct Impl;

  // Opens or creates the database at `path` and brings its schema up to date.
  // ":memory:" gives a private in-memory archive (tests); a "file:" URI is
  // passed to SQLite as a URI (e.g. "file:/x.db?mode=ro"); a
  // "postgresql://" or "postgres://" URI connects to PostgreSQL (libpq: PG*
  // variables and ~/.pgpass apply; the password never appears in an error).
  static common::Result<Archive> open(const std::string& path);

  // A moved-from Archive may only be destroyed or assigned to.
  Archive(Archive&&) noexcept;
  Archive& operator=(Archive&&) noexcept;
  ~Archive();

  const std::string& path() const;

  // Runs the lookups made while it lives in one read transaction. Does
  // nothing when a transaction is already open on this connection (a
  // batch: the lookups are inside it anyway) or when BEGIN fails (the
  // lookups then run on their own). No batch may begin while it lives;
  // end it before writing. Must not outlive the Archive.
  class ReadTransaction {
   public:
    ReadTransaction(ReadTransaction&& other) noexcept;
    ReadTransaction& operator=(ReadTransaction&&) = delete;
    ReadTransaction(const ReadTransaction&) = delete;
    ReadTransaction& operator=(const ReadTransaction&) = delete;
    ~ReadTransaction();

   private:
    friend class Archive;
    explicit ReadTransaction(ArchiveBackend* backend) : backend_(backend) {}
    ArchiveBackend* backend_;  // null: nothing was begun
  };
  ReadTransaction read_transaction();

  // Starts a write transaction (BEGIN IMMEDIATE). Error if a batch is open.
  common::Result<Batch> begin_batch();

  // Every row stored for (account, uidl), deleted from the server or not,
  // oldest generation first; empty when none. One range of the
  // UNIQUE(account, uidl, generation) index with a statement prepared at
  // open: cheap enough to call for every line of a 300,000-message UIDL
  // listing (inside a ReadTransaction: on its own each lookup takes and drops
  // the WAL read lock, two fcntl calls, which cost more than the lookup).
  common::Result<std::vector<StoredCopy>> copies(std::string_view account, std::string_view uidl);

  // The stored raw of row `id` up to and including its first "\r\n\r\n", the
  // whole raw when it has none (header_block_of in header_block.hpp).
  // Storage error when no row has that id.
  common::Result<std::string> header_block(std::int64_t id);

  // False when the file at path() is no longer the database this connection
  // has open (removed, renamed away or replaced: SQLITE_FCNTL_HAS_MOVED):
  // whatever is committed from now on would be lost with the unlinked file,
  // so nothing may be DELEted on its strength. True for ":memory:".
  common::Result<bool> still_in_place();

  // Records that the server deleted these messages (call after QUIT was
  // answered +OK). UIDLs not stored or already marked are ignored. Returns
  // how many rows were marked. One transaction; error if a batch is open.
  common::Result<std::int64_t> mark_deleted(std::string_view account, std::span<const std::string> uidls,
                                            std::int64_t when);

  // Newest first (by fetched_at, then id). `limit` <= 0: all.
  common::Result<std::vector<MessageSummary>> list(std::optional<std::string_view> account,
                                                   std::int64_t limit = kNoLimit);

  // Full-text search, best match first. `query` is FTS5 syntax: words (all
  // must match), "quoted phrases", OR, NOT, prefix*, and the columns from:,
  // to:, subject:, body: (e.g. `from:alice subject:invoice`). Words with
  // punctuation such as an address go in double quotes. A malformed query is
  // a Storage error naming the query and SQLite's complaint.
  common::Result<std::vector<MessageSummary>> search(std::string_view query,
                                                     std::optional<std::string_view> account,
                                                     std::int64_t limit = kNoLimit);

  // How many messages search(query, account) finds when it has no limit.
  // Errors as search().
  common::Result<std::int64_t> count_matches(std::string_view query, std::optional<std::string_view> account);

  // The stored raw of row `id`, byte for byte; nullopt when no row has that id.
  common::Result<std::optional<std::string>> raw_message(std::int64_t id);

  // Calls `visit` for every stored message (of `account` if given) in id
  // order, with its raw bytes (valid only during the call). Stops at and
  // returns the first error `visit` returns. `visit` must not write to this
  // Archive.
  using Visitor = std::function<common::Status(const MessageSummary& message, std::string_view raw)>;
  common::Status for_each_message(std::optional<std::string_view> account, const Visitor& visit);

  // Calls `visit` for every stored row, ordered by account, then uidl (both
  // byte by byte), then generation: the same order on every backend, so two
  // archives can be compared row by row. Raw valid only during the call;
  // stops at the first error `visit` returns; `visit` must not write here.
  using RowVisitor = std::function<common::Status(const ArchivedRow& row, std::string_view raw)>;
  common::Status for_each_row(const RowVisitor& visit);

  // Messages and bytes stored per account (for /metrics), by account name.
  common::Result<std::vector<AccountTotals>> totals();

 private:
  friend class DeliveryLog;  // delivery_log.hpp: the delivery tables on this connection
  explicit Archive(std::unique_ptr<ArchiveBackend> backend);
  std::unique_ptr<ArchiveBackend> backend_;
  Impl* impl_ = nullptr;  // backend_ when it is SQLite; null for PostgreSQL
};

}  // namespace store
