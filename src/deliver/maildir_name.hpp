#pragma once
// The one rule that names a message in a Maildir, shared by the Maildir
// target and `export --maildir`, so either finds what the other (or an earlier
// run that crashed before it recorded its work) delivered.
//
// The name is derived from the archive row only, never from the clock, the
// pid or the host:
//
//   unique  "<fetched_at>.M<id>H<hash>.popfetchd"
//   base    "<unique>,S=<size>"            what new/ holds
//   in cur/ "<base>:2,<flags>"             after a mail reader has seen it
//
// <id> is the archive's row id; <hash> the 8 lowercase hex digits of the
// 32-bit FNV-1a hash of "<account>\0<uidl>", which keeps two archives (whose
// row ids both start at 1) apart in one Maildir; <size> the size of the
// message with LF line ends (what the file holds; Dovecot and others trust
// S= for the size). It follows the Maildir convention "<time>.<unique>.<host>"
// with "popfetchd" as the host part, so no name of another deliverer can be
// taken for ours.
// Pure: no I/O, no errors.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "deliver/target.hpp"

namespace deliver {

// What the name is made of: a message's archive identity.
struct MaildirKey {
  std::int64_t id = 0;
  std::string_view account;
  std::string_view uidl;
  std::int64_t fetched_at = 0;
};

MaildirKey maildir_key(const Message& message);

// "<fetched_at>.M<id>H<hash>.popfetchd"
std::string maildir_unique(const MaildirKey& key);

// "<unique>,S=<lf_size>": the file name in tmp/ and new/.
std::string maildir_base_name(const MaildirKey& key, std::size_t lf_size);

// Whether the directory entry `entry` (in new/ or cur/) is the message whose
// unique part is `unique`: the same unique part, followed by nothing, by
// ",..." (S=, W= or other size info) or by ":..." (":2,<flags>").
bool is_maildir_entry_of(std::string_view entry, std::string_view unique);

// The unique part of an entry name: up to the first ',' or ':'.
std::string_view maildir_unique_of(std::string_view entry);

}  // namespace deliver
