#include "store/archive_copy.hpp"

#include <optional>
#include <utility>

namespace store {
namespace {

void append_field(std::string& out, std::string_view value) {
  out.append(std::to_string(value.size())).push_back(':');
  out.append(value);
}

void append_number(std::string& out, std::optional<std::int64_t> value) {
  append_field(out, value ? std::to_string(*value) : std::string("-"));
}

// What the fingerprint hashes of a row: every field that copy_archive keeps,
// length-prefixed so that no two rows serialise alike.
std::string row_record(const ArchivedRow& row, const Sha256Digest& raw_digest) {
  std::string out;
  append_field(out, row.uidl);
  append_number(out, row.generation);
  append_number(out, row.fetched_at);
  append_number(out, row.deleted_at);
  append_number(out, row.short_retr ? 1 : 0);
  append_number(out, row.listed_size);
  out.append(reinterpret_cast<const char*>(raw_digest.data()), raw_digest.size());
  return out;
}

// Rows to the target in batches of options' size.
class BatchedWriter {
 public:
  BatchedWriter(Archive& to, const Sha256Function& sha256, const CopyOptions& options)
      : to_(to), sha256_(sha256), options_(options) {}

  common::Status add(const ArchivedRow& row, std::string_view raw) {
    if (!batch_) {
      auto batch = to_.begin_batch();
      if (!batch) return batch.error();
      batch_.emplace(std::move(*batch));
    }
    auto outcome = batch_->add_copy(row, raw, sha256_);
    if (!outcome) return outcome.error();
    if (*outcome == AddOutcome::AlreadyPresent) {
      ++stats_.already_there;
      return {};
    }
    ++pending_.copied;
    pending_.bytes += static_cast<std::int64_t>(raw.size());
    if (pending_.copied >= options_.rows_per_commit || pending_.bytes >= options_.bytes_per_commit) return commit();
    return {};
  }

  common::Status commit() {
    if (!batch_) return {};
    auto status = batch_->commit();
    batch_.reset();
    if (!status) return status;
    stats_.copied += std::exchange(pending_.copied, 0);
    stats_.bytes += std::exchange(pending_.bytes, 0);
    if (options_.progress) options_.progress(stats_);
    return {};
  }

  const CopyStats& stats() const { return stats_; }

 private:
  Archive& to_;
  const Sha256Function& sha256_;
  const CopyOptions& options_;
  std::optional<Batch> batch_;
  CopyStats stats_;
  CopyStats pending_;  // written in the open batch, not yet committed
};

}  // namespace

common::Result<CopyStats> copy_archive(Archive& from, Archive& to, const Sha256Function& sha256,
                                       const CopyOptions& options) {
  BatchedWriter writer(to, sha256, options);
  if (auto s = from.for_each_row([&](const ArchivedRow& row, std::string_view raw) { return writer.add(row, raw); });
      !s) {
    return s.error();
  }
  if (auto s = writer.commit(); !s) return s.error();
  return writer.stats();
}

common::Result<std::vector<AccountFingerprint>> fingerprint_archive(Archive& archive,
                                                                    const Sha256Function& sha256) {
  std::vector<AccountFingerprint> out;
  Sha256Digest chain{};
  auto finish = [&] {
    if (!out.empty()) out.back().sha256_hex = sha256_hex(chain);
  };
  auto status = archive.for_each_row([&](const ArchivedRow& row, std::string_view raw) -> common::Status {
    if (out.empty() || out.back().account != row.account) {
      finish();
      out.push_back(AccountFingerprint{row.account, 0, 0, {}});
      chain = Sha256Digest{};
    }
    AccountFingerprint& account = out.back();
    ++account.rows;
    account.bytes += static_cast<std::int64_t>(raw.size());
    std::string link(reinterpret_cast<const char*>(chain.data()), chain.size());
    link += row_record(row, sha256(raw));
    chain = sha256(link);
    return {};
  });
  if (!status) return status.error();
  finish();
  return out;
}

}  // namespace store
