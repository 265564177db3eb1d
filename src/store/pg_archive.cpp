#include "store/pg_archive.hpp"

#include <algorithm>
#include <utility>

#include "mail/charset.hpp"
#include "store/header_block.hpp"
#include "store/message_index.hpp"
#include "store/pg/connection.hpp"
#include "store/pg_schema.hpp"
#include "store/pg_search.hpp"

namespace store {
namespace {

using pg::Bytes;
using pg::Format;
using pg::Param;

// How many messages for_each_message reads per round trip.
constexpr std::int64_t kVisitPage = 64;

constexpr std::string_view kSummary =
    "m.id, m.account, m.uidl, m.date, m.from_addr, m.subject, m.size, m.fetched_at, m.deleted_at";

// The tsvector of a message: each column its weight, so that from:alice is 'alice':A.
constexpr std::string_view kSearchVector =
    "setweight(to_tsvector('simple', $14), 'A') || setweight(to_tsvector('simple', $15), 'B') ||"
    " setweight(to_tsvector('simple', $16), 'C') || setweight(to_tsvector('simple', $17), 'D')";

// Text columns take neither NUL nor invalid UTF-8; raw keeps the bytes.
std::optional<std::string> text_column(const std::optional<std::string>& value) {
  if (!value) return std::nullopt;
  std::string out = mail::make_valid_utf8(*value);
  std::erase(out, '\0');
  return out;
}

common::Status check_key(std::string_view what, std::string_view value) {
  if (mail::is_valid_utf8(value) && value.find('\0') == std::string_view::npos) return {};
  return storage("storing a message: the " + std::string(what) +
                 " is not valid UTF-8, which a PostgreSQL archive cannot store");
}

Param limit_param(std::int64_t limit) { return limit <= 0 ? Param(std::nullopt) : Param(limit); }
Param account_param(std::optional<std::string_view> account) {
  return account ? Param(*account) : Param(std::nullopt);
}

MessageSummary summary_of(const pg::QueryResult& r, int row) {
  MessageSummary m;
  m.id = r.int64(row, 0);
  m.account = r.text(row, 1);
  m.uidl = r.text(row, 2);
  m.date = r.optional_int64(row, 3);
  m.from = r.text(row, 4);
  m.subject = r.text(row, 5);
  m.size = r.int64(row, 6);
  m.fetched_at = r.int64(row, 7);
  m.deleted_at = r.optional_int64(row, 8);
  return m;
}

std::vector<MessageSummary> summaries_of(const pg::QueryResult& r) {
  std::vector<MessageSummary> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(summary_of(r, i));
  return out;
}

// The row with its header columns and search vector derived from `raw`.
common::Status insert_row(pg::Connection& conn, const ArchivedRow& row, std::string_view raw) {
  DerivedFields fields;
  try {
    fields = derive_fields(raw);
  } catch (...) {
    // Parsing is best effort; the raw message is what must never be lost.
    fields = DerivedFields{};
  }
  const auto& h = fields.headers;
  const auto message_id = text_column(h.message_id), from = text_column(h.from), to = text_column(h.to),
             subject = text_column(h.subject);
  const std::string s_from = pg_index_text(h.from.value_or("")), s_to = pg_index_text(h.to.value_or("")),
                    s_subject = pg_index_text(h.subject.value_or("")), s_body = pg_index_text(fields.body);
  const std::string sql =
      "INSERT INTO messages (account, uidl, generation, size, fetched_at, raw, short_retr, listed_size,"
      " message_id, from_addr, to_addr, subject, date, search, deleted_at)"
      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, " +
      std::string(kSearchVector) + ", $18)";
  const std::vector<Param> params = {std::string_view(row.account), std::string_view(row.uidl), row.generation,
                                     static_cast<std::int64_t>(raw.size()), row.fetched_at, Bytes{raw},
                                     std::string_view(row.short_retr ? "t" : "f"), pg::opt_param(row.listed_size),
                                     pg::opt_param(message_id), pg::opt_param(from), pg::opt_param(to),
                                     pg::opt_param(subject), pg::opt_param(h.date), std::string_view(s_from),
                                     std::string_view(s_to), std::string_view(s_subject), std::string_view(s_body),
                                     pg::opt_param(row.deleted_at)};
  if (auto r = conn.query(sql, params, "storing a message"); !r) return r.error();
  return {};
}

class PgArchive;

class PgBatch final : public BatchBackend {
 public:
  PgBatch(PgArchive* archive, pg::Transaction transaction)
      : archive_(archive), transaction_(std::move(transaction)) {}
  PgBatch(const PgBatch&) = delete;
  PgBatch& operator=(const PgBatch&) = delete;
  ~PgBatch() override;
  common::Result<AddOutcome> add_message(std::string_view account, std::string_view uidl, std::string_view raw,
                                         std::int64_t fetched_at, const AddFlags& flags) override;
  common::Result<AddOutcome> add_imported(std::string_view account, std::string_view raw, std::int64_t fetched_at,
                                          const Sha256Function& sha256) override;
  common::Result<AddOutcome> add_copy(const ArchivedRow& row, std::string_view raw,
                                      const Sha256Function& sha256) override;
  common::Status commit() override;

 private:
  PgArchive* archive_;
  pg::Transaction transaction_;
};

class PgArchive final : public ArchiveBackend {
 public:
  explicit PgArchive(pg::Connection conn) : conn_(std::move(conn)) {}

  pg::Connection& conn() { return conn_; }
  bool batch_open = false;

  const std::string& path() const override { return conn_.shown(); }

  bool begin_read() override {
    if (batch_open || read_open_) return false;
    if (!revive()) return false;
    if (!conn_.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "starting a read transaction")) return false;
    read_open_ = true;
    return true;
  }
  void end_read() override {
    (void)conn_.exec("COMMIT", "ending a read transaction");
    read_open_ = false;
  }

  common::Result<std::unique_ptr<BatchBackend>> begin_batch() override {
    if (batch_open) return storage("starting a batch: another batch is still open on this archive");
    if (read_open_) return storage("starting a batch: a read transaction is still open on this archive");
    if (auto s = revive(); !s) return s.error();
    auto transaction = pg::Transaction::begin(conn_);
    if (!transaction) return transaction.error();
    batch_open = true;
    return std::unique_ptr<BatchBackend>(std::make_unique<PgBatch>(this, std::move(*transaction)));
  }

  common::Result<std::vector<StoredCopy>> copies(std::string_view account, std::string_view uidl) override {
    if (auto s = revive(); !s) return s.error();
    auto r = conn_.query(
        "SELECT id, size, fetched_at, deleted_at, short_retr::int, listed_size FROM messages"
        " WHERE account = $1 AND uidl = $2 ORDER BY generation",
        {account, uidl}, "looking up stored copies");
    if (!r) return r.error();
    std::vector<StoredCopy> out;
    for (int i = 0; i < r->rows(); ++i) {
      out.push_back(StoredCopy{r->int64(i, 0), r->int64(i, 1), r->int64(i, 2), r->optional_int64(i, 3),
                               r->int64(i, 4) != 0, r->optional_int64(i, 5)});
    }
    return out;
  }

  common::Result<std::string> header_block(std::int64_t id) override {
    auto raw = raw_message(id);
    if (!raw) return raw.error();
    if (!*raw) return storage("reading a stored header: no message with id " + std::to_string(id));
    return std::string(header_block_of(**raw));
  }

  common::Result<bool> still_in_place() override { return true; }

  common::Result<std::int64_t> mark_deleted(std::string_view account, std::span<const std::string> uidls,
                                            std::int64_t when) override {
    if (batch_open) return storage("marking messages deleted: a batch is still open on this archive");
    if (read_open_) return storage("marking messages deleted: a read transaction is still open on this archive");
    if (auto s = revive(); !s) return s.error();
    auto transaction = pg::Transaction::begin(conn_);
    if (!transaction) return transaction.error();
    std::int64_t marked = 0;
    for (const auto& uidl : uidls) {
      auto r = conn_.query(
          "UPDATE messages SET deleted_at = $3 WHERE account = $1 AND uidl = $2 AND deleted_at IS NULL",
          {account, std::string_view(uidl), when}, "marking a message deleted");
      if (!r) return r.error();
      marked += r->affected();
    }
    if (auto s = transaction->commit(); !s) return s.error();
    return marked;
  }

  common::Result<std::vector<MessageSummary>> list(std::optional<std::string_view> account,
                                                   std::int64_t limit) override {
    if (auto s = revive(); !s) return s.error();
    const std::string sql = "SELECT " + std::string(kSummary) +
                            " FROM messages m WHERE ($1::text IS NULL OR m.account = $1)"
                            " ORDER BY m.fetched_at DESC, m.id DESC LIMIT $2";
    auto r = conn_.query(sql, {account_param(account), limit_param(limit)}, "listing messages");
    if (!r) return r.error();
    return summaries_of(*r);
  }

  common::Result<std::vector<MessageSummary>> search(std::string_view query, std::optional<std::string_view> account,
                                                     std::int64_t limit) override {
    if (auto s = revive(); !s) return s.error();
    auto tsquery = pg_tsquery(query);
    if (!tsquery) return tsquery.error();
    const std::string sql = "SELECT " + std::string(kSummary) +
                            " FROM messages m, to_tsquery('simple', $1) q"
                            " WHERE m.search @@ q AND ($2::text IS NULL OR m.account = $2)"
                            " ORDER BY ts_rank(m.search, q) DESC, m.id DESC LIMIT $3";
    auto r = conn_.query(sql, {std::string_view(*tsquery), account_param(account), limit_param(limit)},
                         "searching");
    if (!r) return r.error();
    return summaries_of(*r);
  }

  common::Result<std::int64_t> count_matches(std::string_view query,
                                             std::optional<std::string_view> account) override {
    if (auto s = revive(); !s) return s.error();
    auto tsquery = pg_tsquery(query);
    if (!tsquery) return tsquery.error();
    auto r = conn_.query(
        "SELECT count(*) FROM messages m WHERE m.search @@ to_tsquery('simple', $1)"
        " AND ($2::text IS NULL OR m.account = $2)",
        {std::string_view(*tsquery), account_param(account)}, "counting search results");
    if (!r) return r.error();
    return r->int64(0, 0);
  }

  common::Result<std::optional<std::string>> raw_message(std::int64_t id) override {
    if (auto s = revive(); !s) return s.error();
    auto r = conn_.query("SELECT raw FROM messages WHERE id = $1", {id}, "reading a stored message", Format::Binary);
    if (!r) return r.error();
    if (r->rows() == 0) return std::optional<std::string>();
    return std::optional<std::string>(r->text(0, 0));
  }

  // By pages of ids, so that an export of the whole archive never holds more
  // than kVisitPage messages in memory.
  common::Status for_each_message(std::optional<std::string_view> account,
                                  const Archive::Visitor& visit) override {
    if (auto s = revive(); !s) return s;
    const std::string sql = "SELECT " + std::string(kSummary) +
                            ", m.raw FROM messages m WHERE m.id > $1 AND ($2::text IS NULL OR m.account = $2)"
                            " ORDER BY m.id LIMIT $3";
    std::int64_t last = 0;
    while (true) {
      auto r = conn_.query(sql, {last, account_param(account), kVisitPage}, "reading messages", Format::Binary);
      if (!r) return r.error();
      for (int i = 0; i < r->rows(); ++i) {
        const MessageSummary m = summary_of(*r, i);
        if (auto s = visit(m, r->bytes(i, 9)); !s) return s;
        last = m.id;
      }
      if (r->rows() < kVisitPage) return {};
    }
  }

  common::Status for_each_row(const Archive::RowVisitor& visit) override {
    if (batch_open || read_open_) return storage("reading messages: a transaction is still open on this archive");
    if (auto s = revive(); !s) return s;
    // One cursor in one snapshot: a single sort, however large the archive.
    // COLLATE "C" sorts byte by byte, as SQLite's BINARY does.
    auto transaction = pg::Transaction::begin(conn_);
    if (!transaction) return transaction.error();
    if (auto s = conn_.exec(
            "DECLARE archived_rows NO SCROLL CURSOR FOR SELECT account, uidl, generation::int8, fetched_at,"
            " deleted_at, short_retr::int::int8, listed_size, raw FROM messages"
            " ORDER BY account COLLATE \"C\", uidl COLLATE \"C\", generation",
            "reading messages");
        !s) {
      return s;
    }
    const std::string fetch = "FETCH " + std::to_string(kVisitPage) + " FROM archived_rows";
    while (true) {
      auto r = conn_.query(fetch, {}, "reading messages", Format::Binary);
      if (!r) return r.error();
      for (int i = 0; i < r->rows(); ++i) {
        const ArchivedRow row{r->text(i, 0),          r->text(i, 1),         r->int64(i, 2), r->int64(i, 3),
                              r->optional_int64(i, 4), r->int64(i, 5) != 0, r->optional_int64(i, 6)};
        if (auto s = visit(row, r->bytes(i, 7)); !s) return s;
      }
      if (r->rows() < kVisitPage) return transaction->commit();
    }
  }

  common::Result<std::vector<AccountTotals>> totals() override {
    if (auto s = revive(); !s) return s.error();
    auto r = conn_.query("SELECT account, count(*), sum(size) FROM messages GROUP BY account ORDER BY account", {},
                         "counting messages");
    if (!r) return r.error();
    std::vector<AccountTotals> out;
    for (int i = 0; i < r->rows(); ++i) out.push_back(AccountTotals{r->text(i, 0), r->int64(i, 1), r->int64(i, 2)});
    return out;
  }

 private:
  // A connection the server dropped (restart, failover) is made again, but
  // only between transactions: inside a batch or a read the error stands.
  common::Status revive() {
    if (batch_open || read_open_) return {};
    return conn_.revive();
  }

  pg::Connection conn_;
  bool read_open_ = false;
};

PgBatch::~PgBatch() {
  transaction_.rollback();
  archive_->batch_open = false;
}

common::Result<AddOutcome> PgBatch::add_message(std::string_view account, std::string_view uidl,
                                                std::string_view raw, std::int64_t fetched_at,
                                                const AddFlags& flags) {
  if (!transaction_.active()) return storage("storing a message: the batch is already committed");
  if (account.empty() || uidl.empty()) return storage("storing a message: empty account name or UIDL");
  if (auto s = check_key("account name", account); !s) return s.error();
  if (auto s = check_key("UIDL", uidl); !s) return s.error();
  pg::Connection& conn = archive_->conn();
  std::optional<std::int64_t> listed;
  if (flags.listed_size) listed = static_cast<std::int64_t>(*flags.listed_size);
  // The rows of (account, uidl), usually none; bytes compared on the server.
  auto rows = conn.query(
      "SELECT id, generation, short_retr::int, (size = $3 AND raw = $4)::int FROM messages"
      " WHERE account = $1 AND uidl = $2 ORDER BY generation",
      {account, uidl, static_cast<std::int64_t>(raw.size()), Bytes{raw}}, "looking up a message");
  if (!rows) return rows.error();
  std::int64_t next_generation = 0;
  for (int i = 0; i < rows->rows(); ++i) {
    next_generation = std::max(next_generation, rows->int64(i, 1) + 1);
    if (rows->int64(i, 3) == 0) continue;
    if (rows->int64(i, 2) != 0 && !flags.short_retr) {
      // A full copy of what was stored short: the flag no longer holds.
      auto cleared = conn.query(
          "UPDATE messages SET short_retr = false, listed_size = coalesce($2, listed_size) WHERE id = $1",
          {rows->int64(i, 0), pg::opt_param(listed)}, "storing a message");
      if (!cleared) return cleared.error();
    }
    return AddOutcome::AlreadyPresent;
  }
  const ArchivedRow row{std::string(account), std::string(uidl), next_generation, fetched_at,
                        std::nullopt,           flags.short_retr,   listed};
  if (auto s = insert_row(conn, row, raw); !s) return s.error();
  return AddOutcome::Stored;
}

common::Result<AddOutcome> PgBatch::add_imported(std::string_view account, std::string_view raw,
                                                 std::int64_t fetched_at, const Sha256Function& sha256) {
  if (!transaction_.active()) return storage("importing a message: the batch is already committed");
  auto same = archive_->conn().query("SELECT 1 FROM messages WHERE account = $1 AND size = $2 AND raw = $3 LIMIT 1",
                                     {account, static_cast<std::int64_t>(raw.size()), Bytes{raw}},
                                     "looking up a message by its bytes");
  if (!same) return same.error();
  if (same->rows() > 0) return AddOutcome::AlreadyPresent;
  AddFlags flags;
  flags.queue_delivery = false;
  return add_message(account, imported_uidl(raw, sha256), raw, fetched_at, flags);
}

common::Result<AddOutcome> PgBatch::add_copy(const ArchivedRow& row, std::string_view raw,
                                             const Sha256Function& sha256) {
  if (!transaction_.active()) return storage("copying a message: the batch is already committed");
  if (row.account.empty() || row.uidl.empty()) return storage("copying a message: empty account name or UIDL");
  if (auto s = check_key("account name", row.account); !s) return s.error();
  if (auto s = check_key("UIDL", row.uidl); !s) return s.error();
  pg::Connection& conn = archive_->conn();
  // A resumed copy finds most rows there already: compare digests, so the
  // bytes cross the wire once, not twice.
  auto found = conn.query(
      "SELECT size, sha256(raw) FROM messages WHERE account = $1 AND uidl = $2 AND generation = $3",
      {std::string_view(row.account), std::string_view(row.uidl), row.generation}, "looking up a copied message",
      Format::Binary);
  if (!found) return found.error();
  if (found->rows() > 0) {
    const Sha256Digest digest = sha256(raw);
    const std::string_view want(reinterpret_cast<const char*>(digest.data()), digest.size());
    if (found->int64(0, 0) == static_cast<std::int64_t>(raw.size()) && found->bytes(0, 1) == want) {
      return AddOutcome::AlreadyPresent;
    }
    return storage(copy_conflict(row));
  }
  if (auto id = insert_row(conn, row, raw); !id) return id.error();
  return AddOutcome::Stored;
}

common::Status PgBatch::commit() {
  if (!transaction_.active()) return storage("committing: the batch is already committed");
  auto status = transaction_.commit();
  archive_->batch_open = false;
  return status;
}

}  // namespace

common::Result<std::unique_ptr<ArchiveBackend>> open_postgres_archive(const std::string& uri) {
  auto conn = pg::Connection::connect(uri);
  if (!conn) return conn.error();
  if (auto s = pg_migrate(*conn); !s) return storage("opening database " + conn->shown() + ": " + s.error().message);
  return std::unique_ptr<ArchiveBackend>(std::make_unique<PgArchive>(std::move(*conn)));
}

}  // namespace store
