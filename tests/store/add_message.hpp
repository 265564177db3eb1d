#pragma once
// Stores one message in a batch of its own: what most store tests need
// before they look at something else. (The fetch path batches many.)

#include <string_view>

#include "store/archive.hpp"

namespace store_test {

inline common::Result<store::AddOutcome> add_message(store::Archive& archive, std::string_view account,
                                                     std::string_view uidl, std::string_view raw,
                                                     std::int64_t fetched_at, store::AddFlags flags = {}) {
  auto batch = archive.begin_batch();
  if (!batch) return batch.error();
  auto outcome = batch->add_message(account, uidl, raw, fetched_at, flags);
  if (!outcome) return outcome;
  if (auto committed = batch->commit(); !committed) return committed.error();
  return outcome;
}

}  // namespace store_test
