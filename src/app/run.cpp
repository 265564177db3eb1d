// `popfetchd run` (the default command): the foreground daemon. Loads the
// config, makes the process undumpable, opens the archive and hands over to
// popfetchd::daemon::run_service(), which runs until SIGTERM/SIGINT.
// Exit status: 0 after a clean shutdown, 1 when the daemon could not start
// (archive, health socket), 2 for an invalid config.

#include "app/commands.hpp"
#include "app/fetch_setup.hpp"
#include "app/load_config.hpp"
#include "daemon/service.hpp"

namespace app {

int run_daemon(const GlobalOptions& global) {
  std::optional<config::Config> cfg = load_config_or_report(global.config_path);
  if (!cfg) return kExitUsage;

  // The daemon holds every account's password for its whole life.
  protect_secrets_in_memory();
  common::Result<FetchSetup> setup = prepare_fetching(*cfg);
  if (!setup) {
    print_error(setup.error().message);
    return kExitFailed;
  }
  common::Status ran = popfetchd::daemon::run_service(std::move(*cfg), setup->archive, *setup->digests);
  if (!ran) {
    print_error(ran.error().message);
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace app
