// `popfetchd status [--json] [--socket PATH]`: asks the running daemon over
// the health socket.
//
// The socket path comes from --socket, else from the config. A config that
// does not load must not hide the daemon: it may well be running the file's
// previous version (a rejected reload), which is exactly when one asks. So
// then `status` warns and tries the default socket path.

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <system_error>

#include "app/commands.hpp"
#include "config/locations.hpp"
#include "config/config.hpp"
#include "health/status_table.hpp"

namespace app {
namespace {

std::string absolute(const std::string& path) {
  std::error_code ignored;  // no cwd: keep the path as given
  const auto made = std::filesystem::absolute(path, ignored);
  return ignored ? path : made.string();
}

// The socket to ask, or nullopt after printing why there is none.
std::optional<std::string> socket_path(const GlobalOptions& global, const std::optional<std::string>& socket) {
  if (socket) return *socket;
  config::LoadResult loaded = config::load_file(global.config_path);
  if (!loaded.ok()) {
    const std::string fallback =
        config::default_locations(absolute(global.config_path), config::Environment::current()).health_socket;
    const std::string first = loaded.errors.empty() ? global.config_path + " is invalid"
                                                    : loaded.errors.front().to_string();
    print_error("warning: status: the config does not load (" + first + "); asking the default health socket " +
                fallback + " (--socket PATH asks another)");
    return fallback;
  }
  if (loaded.config->health_socket.empty()) {
    print_error("status: health_socket is disabled (\"\") in " + loaded.config->path);
    return std::nullopt;
  }
  return loaded.config->health_socket;
}

}  // namespace

int status(const GlobalOptions& global, bool json, const std::optional<std::string>& socket) {
  const std::optional<std::string> path = socket_path(global, socket);
  if (!path) return kExitUnreachable;
  health::StatusOutput output = health::run_status(*path, json, static_cast<std::int64_t>(std::time(nullptr)));
  std::fputs(output.out.c_str(), stdout);
  if (!output.error.empty()) print_error(output.error);
  return output.exit_status;
}

}  // namespace app
