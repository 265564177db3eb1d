// `popfetchd run` (the default command): the foreground daemon. Loads the
// config, makes the process undumpable, opens the archive and hands over to
// popfetchd::daemon::run_service(), which runs until SIGTERM/SIGINT.
// Exit status: 0 after a clean shutdown, 1 when the daemon could not start
// (archive, health socket), 2 for an invalid config.

#include <malloc.h>

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
  // Buffers of 256 KiB and more come from mmap and go back to the system when
  // freed. glibc would raise that threshold after the first such free, so a
  // /metrics scrape of 10,000 accounts (22 MB) would stay in the heap, and in
  // the RSS, until the process ends (bench/many_accounts.py: 20 MB more).
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
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
