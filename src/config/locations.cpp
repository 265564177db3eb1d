// Default locations and the config search order; see locations.hpp.
#include "config/locations.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace config {
namespace {

constexpr const char* kSystemConfig = "/etc/popfetchd/popfetchd.yaml";

std::optional<std::string> home(const Environment& env) { return env.get("HOME"); }

// An XDG base directory: the variable when it holds an absolute path (the
// specification says to ignore a relative one), else $HOME/`fallback`.
std::optional<std::string> xdg_dir(const Environment& env, const char* variable, const char* fallback) {
  if (auto value = env.get(variable); value && value->front() == '/') return value;
  if (auto dir = home(env)) return *dir + "/" + fallback;
  return std::nullopt;
}

std::optional<std::string> user_config(const Environment& env) {
  if (env.root) return std::nullopt;
  if (auto dir = xdg_dir(env, "XDG_CONFIG_HOME", ".config")) return *dir + "/popfetchd/popfetchd.yaml";
  return std::nullopt;
}

// systemd may list several directories separated by ':'; ours is the first.
std::optional<std::string> systemd_dir(const Environment& env, const char* variable) {
  auto value = env.get(variable);
  if (!value) return std::nullopt;
  return value->substr(0, value->find(':'));
}

bool same_file_name(const std::string& a, const std::string& b) {
  return std::filesystem::path(a).lexically_normal() == std::filesystem::path(b).lexically_normal();
}

}  // namespace

Environment Environment::current() {
  Environment env;
  env.get = [](const char* name) -> std::optional<std::string> {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
  };
  env.root = ::geteuid() == 0;
  return env;
}

std::vector<std::string> config_candidates(const Environment& env) {
  if (auto chosen = env.get("POPFETCHD_CONFIG")) return {*chosen};
  std::vector<std::string> candidates;
  if (auto user = user_config(env)) candidates.push_back(*user);
  candidates.emplace_back(kSystemConfig);
  return candidates;
}

std::string find_config(const Environment& env, const std::function<bool(const std::string&)>& exists) {
  const std::vector<std::string> candidates = config_candidates(env);
  for (const std::string& candidate : candidates) {
    if (exists(candidate)) return candidate;
  }
  return candidates.back();
}

DefaultLocations default_locations(const std::string& config_path, const Environment& env) {
  DefaultLocations defaults{"/var/lib/popfetchd/popfetchd.db", "/run/popfetchd/health.sock"};
  const auto user = user_config(env);
  if (user && same_file_name(config_path, *user)) {
    if (auto data = xdg_dir(env, "XDG_DATA_HOME", ".local/share")) {
      defaults.database = *data + "/popfetchd/popfetchd.db";
      // Without a runtime directory the socket stays beside the archive.
      auto runtime = env.get("XDG_RUNTIME_DIR");
      defaults.health_socket =
          (runtime && runtime->front() == '/' ? *runtime : *data) + "/popfetchd/health.sock";
    }
  }
  if (auto state = systemd_dir(env, "STATE_DIRECTORY")) {
    defaults.database = *state + "/popfetchd.db";
  }
  if (auto runtime = systemd_dir(env, "RUNTIME_DIRECTORY")) defaults.health_socket = *runtime + "/health.sock";
  return defaults;
}

std::optional<std::string> expand_home(const std::string& path, const Environment& env) {
  if (path.empty() || path.front() != '~') return path;
  if (path.size() > 1 && path[1] != '/') return std::nullopt;  // ~user
  auto dir = home(env);
  if (!dir) return std::nullopt;
  return *dir + path.substr(1);
}

}  // namespace config
