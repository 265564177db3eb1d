#pragma once
// fetch::ListingPlan: what one poll does with a mailbox, decided from LIST,
// UIDL and the archive — the messages to RETR (in msgno order), the stored
// ones whose headers decide a delete_after DELE, what is skipped. It never
// talks to a server and never deletes: the deletion rule itself is in
// deletion_rule.hpp, and the poll sends DELE only on its proofs.
//
// The listing rules (DESIGN.md "Fetching"):
//   - A LIST line naming message 0, a message twice, or a number far beyond
//     the lines seen so far; a UIDL line for a message LIST did not name, or
//     naming a message twice; one UIDL for two messages: Protocol errors that
//     fail the poll before anything is retrieved or deleted.
//   - keep: true needs UIDL; keep: false without UIDL retrieves everything
//     (the archive names such a message by its content hash).
//   - A UIDL not in the archive is retrieved; one that is: deletion_rule's
//     judge_stored() says keep, retrieve again, or check its headers.
//   - Larger than max_message_size (per LIST): skipped, never deleted.
//   - At most `max_messages` retrievals; the plan says more are pending.
//
// Owns: a compact view of the listing (8 bytes per listed message, a bit per
// message, one hash per UIDL line) and the messages it will retrieve.
// Errors: Protocol (a listing that breaks the rules), Storage (the lookup).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "config/config.hpp"
#include "pop3/events.hpp"
#include "store/archive.hpp"

namespace fetch {

// Message numbers above this in a listing are a protocol error: bounds the
// per-message bookkeeping (8 bytes each) a hostile listing can make us keep.
inline constexpr std::uint32_t kMaxListedMessages = 5'000'000;
// How far a LIST line's message number may run ahead of the number of lines
// seen so far (2x + this): tolerates gaps, refuses a lone "5000000 1".
inline constexpr std::uint32_t kListingNumberSlack = 1024;

// What the listing needs of the archive: every stored copy of one UIDL of the
// account, oldest first (empty: not stored). store::Archive in production
// (ArchiveLookupFor), a map in the tests.
class ArchiveLookup {
 public:
  virtual ~ArchiveLookup() = default;
  virtual common::Result<std::vector<store::StoredCopy>> copies(std::string_view uidl) = 0;
};

// The archive's copies of one account's messages.
class ArchiveLookupFor final : public ArchiveLookup {
 public:
  ArchiveLookupFor(store::Archive& archive, std::string account) : archive_(archive), account_(std::move(account)) {}
  common::Result<std::vector<store::StoredCopy>> copies(std::string_view uidl) override {
    return archive_.copies(account_, uidl);
  }

 private:
  store::Archive& archive_;
  std::string account_;
};

struct Listed {
  std::uint32_t msgno = 0;
  std::string uidl;  // empty: the server has no UIDL (the content hash names it)
  bool operator==(const Listed&) const = default;
};

// delete_after: a stored message that may be deleted if its `TOP n 0` reply
// matches the header block of one of `vouchers` (archive ids).
struct HeaderCheck {
  std::uint32_t msgno = 0;
  std::string uidl;
  std::vector<std::int64_t> vouchers;
};

struct Plan {
  static constexpr std::uint64_t kNotListed = ~std::uint64_t{0};

  std::vector<Listed> retrieve;             // msgno order
  std::vector<HeaderCheck> header_checks;   // msgno order
  std::vector<std::uint64_t> sizes;         // LIST size by msgno; kNotListed for gaps
  std::uint64_t listed = 0;
  std::uint64_t rechecked = 0;              // stored UIDLs retrieved again (see judge_stored)
  std::uint64_t skipped_oversize = 0;
  bool more_pending = false;                // hit the per-poll cap
  bool have_uidl = false;

  std::uint64_t size_of(std::uint32_t msgno) const { return sizes[msgno]; }
  std::uint64_t retrieve_bytes() const;
};

class ListingPlan {
 public:
  // `now`: unix seconds, for delete_after's cut-off. `lookup` must outlive the plan.
  ListingPlan(config::Account account, std::size_t max_messages, std::int64_t now, ArchiveLookup& lookup);

  common::Status add(const pop3::ListEntry& entry);
  common::Status add(const pop3::UidlEntry& entry);
  // The listing is complete. Call once; the plan is spent afterwards.
  common::Result<Plan> finish(bool have_uidl);

  std::uint64_t listed() const { return plan_.listed; }

 private:
  void want(std::uint32_t msgno, std::string uidl);

  config::Account account_;  // a copy: the plan may outlive the caller's value
  std::size_t max_messages_;
  std::int64_t cutoff_ = 0;
  ArchiveLookup& lookup_;
  Plan plan_;
  std::vector<std::uint64_t> uidl_hashes_;  // to find one UIDL listed twice
  std::vector<bool> uidl_seen_;             // by msgno: to find one message listed twice
};

}  // namespace fetch
