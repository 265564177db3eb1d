#pragma once
// fetch/deletion_rule: DESIGN.md's deletion rule, in one place.
//
//   A message is deleted from the server only when the bytes the server holds
//   for it now are proven to be in the archive.
//
// Two proofs exist, and nothing else ever justifies a DELE:
//   1. keep: false — the message was retrieved in this poll, the archive now
//      holds exactly those bytes (stored, or found byte-identical), the commit
//      returned, and the RETR was not clearly shorter than LIST said. A UIDL
//      that is already archived proves nothing by itself: servers may reuse
//      UIDLs (RFC 1939 §7) and an account may be pointed at another server.
//   2. keep: true with delete_after — a copy stored at or before the cut-off
//      whose size equals the LIST size and whose header block equals the
//      server's `TOP n 0` reply. A cheap proof, for old mail only.
// What this file decides is pure: no I/O, no clock.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "config/config.hpp"
#include "store/archive.hpp"

namespace fetch {

// A RETR may fall this many bytes short of its LIST size and still count as
// whole: some servers count a header they add, or the terminating ".CRLF",
// in LIST. Lines are not the issue: received bytes have CRLF line ends, which
// is never fewer bytes than the server's own (LF or CRLF) convention. A
// truncating proxy (77 bytes of 3,100) is far outside this.
inline constexpr std::uint64_t kShortRetrSlack = 128;

// The RETR brought `received` bytes (CRLF line ends) for a LIST size of `listed`:
// is it clearly shorter than the message the server holds?
bool clearly_short(std::uint64_t received, std::uint64_t listed);

// Proof 1: may a message retrieved in this poll be deleted once the commit
// that holds it has returned?
bool deletable_after_retrieve(const config::Account& account, bool short_retr);

// How the listing treats a UIDL that the archive already holds.
enum class StoredVerdict {
  Keep,         // stored, nothing to do in this poll
  Retrieve,     // fetch it again: its bytes are compared with, or added to, the archive
  CheckHeaders  // delete_after: TOP n 0 decides between DELE and Retrieve
};

// The decision for one listed message whose UIDL has `copies` in the archive
// (not empty). `cutoff`: delete_after's "stored at or before" (ignored without it).
StoredVerdict judge_stored(const config::Account& account, std::span<const store::StoredCopy> copies,
                           std::uint64_t listed_size, std::int64_t cutoff);

// Proof 2, first half: may this copy vouch for a listed message of `listed_size`
// (not short, stored at or before the cut-off, same size as LIST)?
bool may_vouch(const store::StoredCopy& copy, std::uint64_t listed_size, std::int64_t cutoff);

// Proof 2, second half: the server's `TOP n 0` reply against a copy's stored
// header block (both as store::header_block_of cuts them).
bool same_headers(std::string_view top_reply, std::string_view stored_header_block);

}  // namespace fetch
