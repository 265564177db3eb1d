#pragma once
// Turning an account's `deliver:` settings into running lanes of the
// delivery queue: the one place that knows which Target class serves which
// kind of target, and that configures every account at start and reload.
// Touches nothing itself; the Targets it makes own their files, processes
// and connections.

#include <uv.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "config/config.hpp"
#include "deliver/queue.hpp"
#include "deliver/target.hpp"

namespace deliver {

// `withheld_env`: environment variables an MDA must not see (every
// password_env of the config).
using TargetFactory = std::function<std::unique_ptr<Target>(uv_loop_t* loop, const config::DeliveryTarget& target,
                                                            const std::vector<std::string>& withheld_env)>;

// The real targets: MaildirTarget, MboxTarget, MdaTarget, LmtpTarget.
std::unique_ptr<Target> make_target(uv_loop_t* loop, const config::DeliveryTarget& target,
                                    const std::vector<std::string>& withheld_env);

// Configures the queue for every account of `config` and for each name in
// `removed` (no targets any more). Returns the first error (the others are
// still configured); an account whose targets cannot be recorded keeps its
// old lanes.
common::Status configure_accounts(Queue& queue, uv_loop_t* loop, const config::Config& config,
                                  const std::vector<std::string>& removed, const TargetFactory& factory);

}  // namespace deliver
