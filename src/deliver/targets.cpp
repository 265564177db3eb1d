// Making targets and configuring the queue; see targets.hpp.
#include "deliver/targets.hpp"

#include "common/log.hpp"
#include "deliver/lmtp_target.hpp"
#include "deliver/maildir_target.hpp"
#include "deliver/mbox_target.hpp"
#include "deliver/mda_target.hpp"

namespace deliver {

std::unique_ptr<Target> make_target(uv_loop_t* loop, const config::DeliveryTarget& target,
                                    const std::vector<std::string>& withheld_env) {
  using Kind = config::DeliveryTarget::Kind;
  switch (target.kind) {
    case Kind::Maildir:
      return std::make_unique<MaildirTarget>(loop, target.path);
    case Kind::Mbox:
      return std::make_unique<MboxTarget>(loop, target.path);
    case Kind::Mda:
      return std::make_unique<MdaTarget>(loop, target, withheld_env);
    case Kind::Lmtp:
      return std::make_unique<LmtpTarget>(loop, target);
  }
  return nullptr;
}

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
