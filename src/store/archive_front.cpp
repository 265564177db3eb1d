// Archive, Batch and ReadTransaction: the public face of the archive,
// forwarding to the backend Archive::open chose (archive_backend.hpp).

#include <utility>

#include "store/archive.hpp"
#include "store/archive_backend.hpp"
#include "store/archive_impl.hpp"
#include "store/pg/conninfo.hpp"

namespace store {

// ---- Batch

struct Batch::State {
  std::unique_ptr<BatchBackend> backend;
};

Batch::Batch(std::unique_ptr<State> state) : state_(std::move(state)) {}
Batch::Batch(Batch&& other) noexcept = default;
Batch::~Batch() = default;  // the backend rolls back an uncommitted batch

common::Result<AddOutcome> Batch::add_message(std::string_view account, std::string_view uidl,
                                              std::string_view raw, std::int64_t fetched_at, AddFlags flags) {
  if (!state_) return storage("storing a message: the batch is already committed");
  return state_->backend->add_message(account, uidl, raw, fetched_at, flags);
}

common::Result<AddOutcome> Batch::add_imported(std::string_view account, std::string_view raw,
                                               std::int64_t fetched_at, const Sha256Function& sha256) {
  if (!state_) return storage("importing a message: the batch is already committed");
  return state_->backend->add_imported(account, raw, fetched_at, sha256);
}

common::Result<AddOutcome> Batch::add_copy(const ArchivedRow& row, std::string_view raw,
                                           const Sha256Function& sha256) {
  if (!state_) return storage("copying a message: the batch is already committed");
  return state_->backend->add_copy(row, raw, sha256);
}

common::Status Batch::commit() {
  if (!state_) return storage("committing: the batch is already committed");
  auto status = state_->backend->commit();
  state_.reset();
  return status;
}

// ---- Archive

Archive::Archive(std::unique_ptr<ArchiveBackend> backend)
    : backend_(std::move(backend)), impl_(dynamic_cast<Impl*>(backend_.get())) {}
Archive::Archive(Archive&& other) noexcept
    : backend_(std::move(other.backend_)), impl_(std::exchange(other.impl_, nullptr)) {}
Archive& Archive::operator=(Archive&& other) noexcept {
  backend_ = std::move(other.backend_);
  impl_ = std::exchange(other.impl_, nullptr);
  return *this;
}
Archive::~Archive() = default;

common::Result<Archive> Archive::open(const std::string& path) {
  if (pg::is_postgres_uri(path)) {
    auto backend = open_postgres_archive(path);
    if (!backend) return backend.error();
    return Archive(std::move(*backend));
  }
  auto impl = Impl::open(path);
  if (!impl) return impl.error();
  return Archive(std::unique_ptr<ArchiveBackend>(std::move(*impl)));
}

const std::string& Archive::path() const { return backend_->path(); }

Archive::ReadTransaction Archive::read_transaction() {
  return ReadTransaction(backend_->begin_read() ? backend_.get() : nullptr);
}

Archive::ReadTransaction::ReadTransaction(ReadTransaction&& other) noexcept
    : backend_(std::exchange(other.backend_, nullptr)) {}

Archive::ReadTransaction::~ReadTransaction() {
  if (backend_ != nullptr) backend_->end_read();
}

common::Result<Batch> Archive::begin_batch() {
  auto backend = backend_->begin_batch();
  if (!backend) return backend.error();
  return Batch(std::make_unique<Batch::State>(Batch::State{std::move(*backend)}));
}

common::Result<std::vector<StoredCopy>> Archive::copies(std::string_view account, std::string_view uidl) {
  return backend_->copies(account, uidl);
}

common::Result<std::string> Archive::header_block(std::int64_t id) { return backend_->header_block(id); }

common::Result<bool> Archive::still_in_place() { return backend_->still_in_place(); }

common::Result<std::int64_t> Archive::mark_deleted(std::string_view account, std::span<const std::string> uidls,
                                                   std::int64_t when) {
  return backend_->mark_deleted(account, uidls, when);
}

common::Result<std::vector<MessageSummary>> Archive::list(std::optional<std::string_view> account,
                                                          std::int64_t limit) {
  return backend_->list(account, limit);
}

common::Result<std::vector<MessageSummary>> Archive::search(std::string_view query,
                                                            std::optional<std::string_view> account,
                                                            std::int64_t limit) {
  return backend_->search(query, account, limit);
}

common::Result<std::int64_t> Archive::count_matches(std::string_view query,
                                                    std::optional<std::string_view> account) {
  return backend_->count_matches(query, account);
}

common::Result<std::optional<std::string>> Archive::raw_message(std::int64_t id) {
  return backend_->raw_message(id);
}

common::Status Archive::for_each_message(std::optional<std::string_view> account, const Visitor& visit) {
  return backend_->for_each_message(account, visit);
}

common::Status Archive::for_each_row(const RowVisitor& visit) { return backend_->for_each_row(visit); }

common::Result<std::vector<AccountTotals>> Archive::totals() { return backend_->totals(); }

}  // namespace store
