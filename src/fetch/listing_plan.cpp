#include "fetch/listing_plan.hpp"

#include <algorithm>
#include <functional>
#include <utility>

#include "fetch/deletion_rule.hpp"

namespace fetch {
namespace {

common::Error protocol_error(std::string message) {
  return common::make_error(common::ErrorKind::Protocol, std::move(message));
}

}  // namespace

std::uint64_t Plan::retrieve_bytes() const {
  std::uint64_t bytes = 0;
  for (const Listed& message : retrieve) bytes += sizes[message.msgno];
  return bytes;
}

ListingPlan::ListingPlan(config::Account account, std::size_t max_messages, std::int64_t now, ArchiveLookup& lookup)
    : account_(std::move(account)), max_messages_(max_messages), lookup_(lookup) {
  if (account_.delete_after) cutoff_ = now - account_.delete_after->count();
}

common::Status ListingPlan::add(const pop3::ListEntry& entry) {
  if (entry.msgno == 0 || entry.msgno > kMaxListedMessages) {
    return protocol_error("the server's LIST names message " + std::to_string(entry.msgno) +
                          " (popfetchd handles 1.." + std::to_string(kMaxListedMessages) + ")");
  }
  // At the start of a session messages are numbered 1..N (RFC 1939 §5), so a
  // number far beyond the lines seen so far is no mailbox, only a way to make
  // us allocate the bookkeeping for millions of messages.
  if (entry.msgno > 2 * plan_.listed + kListingNumberSlack) {
    return protocol_error("the server's LIST jumps to message " + std::to_string(entry.msgno) + " after " +
                          std::to_string(plan_.listed) + " lines");
  }
  std::vector<std::uint64_t>& sizes = plan_.sizes;
  if (sizes.size() <= entry.msgno) sizes.resize(entry.msgno + 1, Plan::kNotListed);
  // A listing that repeats itself could go on forever without the server
  // ever falling silent (the timeout would never fire).
  if (sizes[entry.msgno] != Plan::kNotListed) {
    return protocol_error("the server's LIST names message " + std::to_string(entry.msgno) + " twice");
  }
  sizes[entry.msgno] = entry.size;
  ++plan_.listed;
  return {};
}

common::Status ListingPlan::add(const pop3::UidlEntry& entry) {
  const std::vector<std::uint64_t>& sizes = plan_.sizes;
  if (entry.msgno >= sizes.size() || sizes[entry.msgno] == Plan::kNotListed) {
    return protocol_error("the server's UIDL names message " + std::to_string(entry.msgno) + ", which LIST did not");
  }
  // One UIDL per message: a second one would store the message twice (and
  // DELE it twice), and an endless repetition would grow uidl_hashes_ forever.
  if (uidl_seen_.size() < sizes.size()) uidl_seen_.resize(sizes.size());
  if (uidl_seen_[entry.msgno]) {
    return protocol_error("the server's UIDL names message " + std::to_string(entry.msgno) + " twice");
  }
  uidl_seen_[entry.msgno] = true;
  uidl_hashes_.push_back(std::hash<std::string_view>{}(entry.uidl));

  auto copies = lookup_.copies(entry.uidl);
  if (!copies) return copies.error();
  if (copies->empty()) {
    want(entry.msgno, entry.uidl);
    return {};
  }
  switch (judge_stored(account_, *copies, sizes[entry.msgno], cutoff_)) {
    case StoredVerdict::Keep: break;
    case StoredVerdict::Retrieve:
      ++plan_.rechecked;
      want(entry.msgno, entry.uidl);
      break;
    case StoredVerdict::CheckHeaders: {
      HeaderCheck check{entry.msgno, entry.uidl, {}};
      for (const store::StoredCopy& copy : *copies) {
        if (may_vouch(copy, sizes[entry.msgno], cutoff_)) check.vouchers.push_back(copy.id);
      }
      plan_.header_checks.push_back(std::move(check));
      break;
    }
  }
  return {};
}

void ListingPlan::want(std::uint32_t msgno, std::string uidl) {
  if (plan_.sizes[msgno] > account_.max_message_size) {
    ++plan_.skipped_oversize;
  } else if (plan_.retrieve.size() >= max_messages_) {
    plan_.more_pending = true;
  } else {
    plan_.retrieve.push_back({msgno, std::move(uidl)});
  }
}

common::Result<Plan> ListingPlan::finish(bool have_uidl) {
  plan_.have_uidl = have_uidl;
  if (!have_uidl) {
    if (account_.keep) {
      return protocol_error(
          "the server does not support UIDL, which keep: true needs to fetch only new messages "
          "(keep: false works without it)");
    }
    // keep: false without UIDL: retrieve everything; the content hash names it.
    for (std::uint32_t msgno = 1; msgno < plan_.sizes.size(); ++msgno) {
      if (plan_.sizes[msgno] != Plan::kNotListed) want(msgno, {});
    }
  } else {
    std::sort(uidl_hashes_.begin(), uidl_hashes_.end());
    if (std::adjacent_find(uidl_hashes_.begin(), uidl_hashes_.end()) != uidl_hashes_.end()) {
      return protocol_error(
          "the server lists one UIDL for two different messages; nothing was fetched or deleted "
          "(a duplicate UIDL could make popfetchd delete a message it has not stored)");
    }
  }
  uidl_hashes_ = {};
  uidl_seen_ = {};
  auto by_msgno = [](const auto& a, const auto& b) { return a.msgno < b.msgno; };
  std::sort(plan_.retrieve.begin(), plan_.retrieve.end(), by_msgno);
  std::sort(plan_.header_checks.begin(), plan_.header_checks.end(), by_msgno);
  return std::move(plan_);
}

}  // namespace fetch
