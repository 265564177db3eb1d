#pragma once
// Where popfetchd finds its config and keeps its files when nobody said:
// the config search order without -c, and the default database and health
// socket, which follow systemd's StateDirectory=/RuntimeDirectory= when the
// unit set them and the XDG base directories for a user's own config.
// Pure: the environment comes in as a lookup function, files as an
// `exists` predicate, so every rule is tested without touching either.

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace config {

struct Environment {
  std::function<std::optional<std::string>(const char* name)> get;  // nullopt: unset or empty
  bool root = false;

  // The process's own environment and effective user.
  static Environment current();
};

struct DefaultLocations {
  std::string database;
  std::string health_socket;
};

// The config files tried without -c, in order: $POPFETCHD_CONFIG alone when
// set; else for a user other than root $XDG_CONFIG_HOME/popfetchd/popfetchd.yaml
// (default ~/.config), then /etc/popfetchd/popfetchd.yaml.
std::vector<std::string> config_candidates(const Environment& env);

// The first candidate that exists, else the last one (whose "cannot read"
// error then names the system-wide path).
std::string find_config(const Environment& env, const std::function<bool(const std::string&)>& exists);

// The database and health socket a config at `config_path` gets when it sets
// neither: $STATE_DIRECTORY/popfetchd.db and $RUNTIME_DIRECTORY/health.sock
// under systemd; else, for a config in the user's XDG config directory,
// $XDG_DATA_HOME/popfetchd/popfetchd.db and $XDG_RUNTIME_DIR/popfetchd/health.sock;
// else /var/lib/popfetchd/popfetchd.db and /run/popfetchd/health.sock.
DefaultLocations default_locations(const std::string& config_path, const Environment& env);

// "~" and "~/rest" with $HOME; nullopt for "~user" (not expanded) or when
// HOME is unknown. Other paths are returned unchanged.
std::optional<std::string> expand_home(const std::string& path, const Environment& env);

}  // namespace config
