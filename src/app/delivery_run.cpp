// Deliveries for commands that end; see delivery_run.hpp.
#include "app/delivery_run.hpp"

#include <cstdio>

#include "app/commands.hpp"
#include "common/log.hpp"
#include "deliver/targets.hpp"

namespace app {

DeliveryRun::DeliveryRun(uv_loop_t* loop, fetch::ArchiveWriter& writer, const config::Config& config,
                         std::vector<const config::Account*> accounts)
    : queue_(loop, writer, config.database, deliver::Queue::Options{}), accounts_(std::move(accounts)) {
  config::Config selected = config;
  selected.accounts.clear();
  for (const config::Account* account : accounts_) {
    if (!account->deliver.empty()) any_targets_ = true;
    selected.accounts.push_back(*account);
  }
  // Only accounts with targets: the others' delivery lock stays free.
  std::erase_if(selected.accounts, [](const config::Account& a) { return a.deliver.empty(); });
  (void)deliver::configure_accounts(queue_, loop, selected, {}, &deliver::make_target);
}

void DeliveryRun::finish() {
  if (!any_targets_) return queue_.stop([] {});  // no gathering delay for nothing
  queue_.when_idle([this] { queue_.stop([] {}); });
}

bool DeliveryRun::report() {
  if (!any_targets_) return true;
  auto totals = queue_.log().totals();
  if (!totals) {
    print_error("counting deliveries: " + totals.error().message);
    return false;
  }
  const auto lanes = queue_.status();
  bool ok = true;
  for (const store::DeliveryTotals& row : *totals) {
    if (!row.active) continue;
    const deliver::Queue::LaneStatus* lane = nullptr;
    for (const auto& each : lanes) {
      if (each.account == row.account && each.key == row.target) lane = &each;
    }
    if (lane == nullptr) continue;  // an account this run did not select
    const bool failing = lane->failing || row.failed > 0 || row.attempts_failing > 0;
    const std::string line = row.account + ": delivered " + std::to_string(lane->delivered) + " to " + row.target +
                             " (" + std::to_string(row.pending) + " pending, " + std::to_string(row.failed) +
                             " failed" + (row.last_error.empty() || !failing ? "" : "; last error: " + row.last_error) +
                             ")";
    if (failing) {
      ok = false;
      std::fflush(stdout);
      print_error(line);
    } else {
      std::printf("%s\n", line.c_str());
    }
  }
  std::fflush(stdout);
  return ok;
}

}  // namespace app
