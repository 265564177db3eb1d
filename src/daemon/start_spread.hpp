#pragma once
// StartSpread: when the first polls of a batch of accounts run — the accounts
// of the config at start, the accounts a reload added or changed, every
// account after "poll all" (SIGUSR1, POST /poll). A pure rule: no clock, no
// loop; the caller gives the random number for small batches.
//
// The rule, and why:
//   batch <= max_concurrent   every first poll can start at once, so the
//                             short window of first_poll_delay() (20 ms per
//                             account, at most 10 s or interval / 10): a user
//                             with a few accounts sees the first poll at once.
//   batch >  max_concurrent   the runner could only queue the rest, and a
//                             queue of 10,000 polls is a thundering herd on
//                             the servers, the archive and the thread pool.
//                             The batch is spread over
//                               window = min(interval, max(short window,
//                                        ceil(batch / max_concurrent) * wave))
//                             (a wave is what one round of max_concurrent
//                             polls is assumed to take, 2 s by default), so
//                             10,000 accounts spread over the whole first
//                             interval, 100 over a few seconds. Each account's
//                             offset is a hash of its name modulo the window:
//                             deterministic, so a restart keeps every
//                             account's phase and the steady state stays
//                             spread, and evenly distributed for large
//                             batches. Every first poll is within the window,
//                             hence within the first interval.
//
// Owns nothing but its three numbers. Errors: none; every input yields a delay.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace popfetchd::daemon {

struct StartSpreadPolicy {
  std::chrono::milliseconds per_account{20};    // the short window's share per account
  std::chrono::milliseconds max_short{10'000};  // the short window's ceiling
  std::chrono::milliseconds wave{2'000};        // one round of max_concurrent polls
};

class StartSpread {
 public:
  using Millis = std::chrono::milliseconds;

  // `batch`: the accounts whose first poll is scheduled together;
  // `max_concurrent`: the runner's cap (0 is taken as 1).
  StartSpread(std::size_t batch, std::size_t max_concurrent, StartSpreadPolicy policy = {});

  // True when the batch is larger than what can start at once.
  bool spreads() const { return batch_ > max_concurrent_; }
  // The span the first polls of accounts with `interval` fall into: [0, window).
  Millis window(Millis interval) const;
  // The first poll's delay for `account`; `unit_random` in [0, 1) is used
  // only for small batches (see the rule above).
  Millis delay(std::string_view account, Millis interval, double unit_random) const;

 private:
  std::size_t batch_;
  std::size_t max_concurrent_;
  StartSpreadPolicy policy_;
};

// FNV-1a, 64 bits: stable across runs, platforms and library versions
// (std::hash is not), so an account keeps its offset.
std::uint64_t stable_name_hash(std::string_view name);

}  // namespace popfetchd::daemon
