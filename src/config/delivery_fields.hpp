#pragma once
// Parsing an account's `deliver:` list (config/delivery_target.hpp): a YAML
// list of maps, each naming exactly one target kind (maildir, mbox, mda,
// lmtp) with its own optional keys (recipient for lmtp; timeout for mda and
// lmtp). Reports every problem to the sink with its position and keeps
// going; reads no file. Internal to src/config.

#include <optional>
#include <vector>

#include "config/delivery_target.hpp"
#include "config/diagnostic_sink.hpp"
#include "config/paths.hpp"
#include "config/yaml_values.hpp"

namespace config::detail {

// nullopt when any entry was invalid (already reported). An empty list is
// valid: delivery off, as when the key is absent.
std::optional<std::vector<DeliveryTarget>> parse_deliver(const Entry& entry, const PathContext& paths,
                                                         DiagnosticSink& sink);

}  // namespace config::detail
