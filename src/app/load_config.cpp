#include "app/load_config.hpp"

#include "app/commands.hpp"
#include "common/log.hpp"

namespace app {

std::optional<config::Config> load_config_or_report(const std::string& path) {
  config::LoadResult loaded = config::load_file(path);
  if (!loaded.ok()) {
    for (const config::Diagnostic& error : loaded.errors) print_error(error.to_string());
    return std::nullopt;
  }
  common::set_log_level(loaded.config->log_level);
  return std::move(loaded.config);
}

}  // namespace app
