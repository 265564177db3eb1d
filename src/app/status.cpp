// `popfetchd status [--json]`: asks the running daemon over the health socket.

#include <cstdio>
#include <ctime>

#include "app/commands.hpp"
#include "app/load_config.hpp"
#include "health/status_table.hpp"

namespace app {

int status(const GlobalOptions& global, bool json) {
  std::optional<config::Config> cfg = load_config_or_report(global.config_path);
  if (!cfg) return kExitUsage;
  if (cfg->health_socket.empty()) {
    print_error("status: health_socket is disabled (\"\") in " + cfg->path);
    return kExitUnreachable;
  }
  health::StatusOutput output =
      health::run_status(cfg->health_socket, json, static_cast<std::int64_t>(std::time(nullptr)));
  std::fputs(output.out.c_str(), stdout);
  if (!output.error.empty()) print_error(output.error);
  return output.exit_status;
}

}  // namespace app
