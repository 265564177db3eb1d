// Relative path resolution; see paths.hpp.
#include "config/paths.hpp"

#include <cstdlib>
#include <system_error>

namespace config::detail {

PathContext PathContext::for_file(const std::string& config_path, bool absolute) {
  PathContext context;
  std::filesystem::path path(config_path);
  if (absolute) {
    std::error_code ignored;  // no cwd: fall back to the lexical directory
    const auto made_absolute = std::filesystem::absolute(path, ignored);
    if (!ignored) path = made_absolute;
  }
  context.base_dir = path.parent_path();
  // The environment is read once per load, before any account is resolved.
  if (const char* credentials = std::getenv("CREDENTIALS_DIRECTORY"); credentials != nullptr) {
    context.credentials_dir = credentials;
  }
  return context;
}

std::string resolve_path(std::string_view path, const PathContext& context) {
  const std::filesystem::path given(path);
  if (given.is_absolute() || context.base_dir.empty()) return std::string(path);
  return (context.base_dir / given).lexically_normal().string();
}

std::string resolve_password_file(std::string_view path, const PathContext& context) {
  const std::filesystem::path given(path);
  if (!given.is_absolute() && !context.credentials_dir.empty()) {
    const auto credential = context.credentials_dir / given;
    std::error_code ignored;  // unreadable credentials directory: fall back to the config's directory
    if (std::filesystem::exists(credential, ignored)) return credential.lexically_normal().string();
  }
  return resolve_path(path, context);
}

}  // namespace config::detail
