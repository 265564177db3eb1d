// `popfetchd run` (the default command): the foreground daemon. Loads the
// config, makes the process undumpable, opens the archive and hands over to
// popfetchd::daemon::run_service(), which runs until SIGTERM/SIGINT.
// Exit status: 0 after a clean shutdown, 1 when the daemon could not start
// (archive, health socket), 2 for an invalid config.

#include <sys/prctl.h>

#include "app/commands.hpp"
#include "app/load_config.hpp"
#include "app/open_archive.hpp"
#include "common/log.hpp"
#include "daemon/service.hpp"
#include "net/mbed_digests.hpp"

namespace app {

int run_daemon(const GlobalOptions& global) {
  std::optional<config::Config> cfg = load_config_or_report(global.config_path);
  if (!cfg) return kExitUsage;

  // The daemon holds every account's password in memory for its whole life:
  // no core dump may carry them to disk, and no other process of the same
  // user may ptrace it or read its /proc/<pid>/mem.
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    common::log_warn("", "cannot disable core dumps (prctl PR_SET_DUMPABLE); passwords could end up in one");
  }

  auto digests = net::MbedDigests::create();
  if (!digests) {
    print_error(digests.error().message);
    return kExitFailed;
  }
  common::Result<store::Archive> archive = open_archive_for_writing(cfg->database);
  if (!archive) {
    print_error(archive.error().message);
    return kExitFailed;
  }
  common::Status ran = popfetchd::daemon::run_service(std::move(*cfg), *archive, **digests);
  if (!ran) {
    print_error(ran.error().message);
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace app
