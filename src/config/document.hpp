#pragma once
// Builds a Config from the root node of a parsed YAML document: the top-level
// keys, `defaults:` and every account, reporting every problem to the sink.
// Returns nullopt when the sink got any error. Reads no file.

#include <optional>
#include <string>

#include "config/config.hpp"
#include "config/diagnostic_sink.hpp"
#include "config/paths.hpp"

namespace YAML {
class Node;
}

namespace config::detail {

std::optional<Config> build_config(const YAML::Node& root, const std::string& path, const PathContext& paths,
                                   DiagnosticSink& sink);

}  // namespace config::detail
