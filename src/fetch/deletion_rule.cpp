#include "fetch/deletion_rule.hpp"

#include <algorithm>

#include "store/header_block.hpp"

namespace fetch {

bool clearly_short(std::uint64_t received, std::uint64_t listed) { return received + kShortRetrSlack < listed; }

bool deletable_after_retrieve(const config::Account& account, bool short_retr) {
  return !account.keep && !short_retr;
}

bool may_vouch(const store::StoredCopy& copy, std::uint64_t listed_size, std::int64_t cutoff) {
  if (copy.short_retr || copy.fetched_at > cutoff) return false;
  // The LIST size the server gave when we fetched it is the best witness (a
  // server may count bytes its own way); the stored size otherwise.
  const std::int64_t witness = copy.listed_size.value_or(copy.size);
  return witness >= 0 && static_cast<std::uint64_t>(witness) == listed_size;
}

StoredVerdict judge_stored(const config::Account& account, std::span<const store::StoredCopy> copies,
                           std::uint64_t listed_size, std::int64_t cutoff) {
  auto any = [&](auto&& predicate) { return std::any_of(copies.begin(), copies.end(), predicate); };
  // Only short copies: the archive does not have this message yet.
  if (!any([](const store::StoredCopy& c) { return !c.short_retr; })) return StoredVerdict::Retrieve;
  // keep: false deletes whatever it stores: prove it by retrieving it again.
  if (!account.keep) return StoredVerdict::Retrieve;
  if (account.delete_after) {
    if (any([&](const store::StoredCopy& c) { return may_vouch(c, listed_size, cutoff); })) {
      return StoredVerdict::CheckHeaders;
    }
    // Old enough to delete, but no stored copy has its size: the server holds
    // something else under this UIDL. Fetch it; never delete it unproven.
    if (any([&](const store::StoredCopy& c) { return !c.short_retr && c.fetched_at <= cutoff; })) {
      return StoredVerdict::Retrieve;
    }
  }
  // Every copy was deleted from the server, yet the UIDL is listed again: a
  // new message under a reused UIDL (or a restored one, which the archive
  // then finds byte-identical and does not store twice).
  if (!any([](const store::StoredCopy& c) { return !c.deleted_at.has_value(); })) return StoredVerdict::Retrieve;
  return StoredVerdict::Keep;
}

bool same_headers(std::string_view top_reply, std::string_view stored_header_block) {
  return store::header_block_of(top_reply) == stored_header_block;
}

}  // namespace fetch
