// Making targets and configuring the queue; see targets.hpp.
#include "deliver/targets.hpp"

#include "common/log.hpp"

namespace deliver {

common::Status configure_accounts(Queue& queue, uv_loop_t* loop, const config::Config& config,
                                  const std::vector<std::string>& removed, const TargetFactory& factory) {
  common::Status first;
  auto keep_first = [&first](common::Status status) {
    if (!status && first) first = std::move(status);
  };
  for (const config::Account& account : config.accounts) {
    std::vector<Queue::LaneSpec> specs;
    for (const config::DeliveryTarget& target : account.deliver) {
      const std::string settings = target.key() + "\n" + target.recipient + "\n" +
                                   std::to_string(target.timeout.count());
      specs.push_back({target.key(), factory(loop, target, config.password_env_names), settings});
    }
    auto status = queue.configure(account.name, std::move(specs));
    if (!status) common::log_error(account.name, "delivery: " + status.error().message);
    keep_first(std::move(status));
  }
  for (const std::string& name : removed) keep_first(queue.configure(name, {}));
  return first;
}

}  // namespace deliver
