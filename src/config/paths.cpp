// Path resolution for config values; see paths.hpp.
#include "config/paths.hpp"

#include <system_error>

#include "config/yaml_values.hpp"

namespace config::detail {

PathContext PathContext::for_file(const std::string& config_path, bool absolute, const Environment& env) {
  PathContext context;
  std::filesystem::path path(config_path);
  if (absolute) {
    std::error_code ignored;  // no cwd: fall back to the lexical directory
    const auto made_absolute = std::filesystem::absolute(path, ignored);
    if (!ignored) path = made_absolute;
  }
  context.base_dir = path.parent_path();
  // The environment is read once per load, before any account is resolved.
  if (auto credentials = env.get("CREDENTIALS_DIRECTORY")) context.credentials_dir = *credentials;
  context.env = env;
  context.defaults = default_locations(path.string(), env);
  return context;
}

namespace {

std::optional<std::filesystem::path> expanded(const Entry& entry, std::string_view text, const PathContext& context,
                                              DiagnosticSink& sink) {
  const auto path = expand_home(std::string(text), context.env);
  if (!path) {
    sink.error(entry.value_location,
               entry.key + ": only '~/' at the start is expanded, with $HOME" +
                   (text.size() > 1 && text[1] != '/' ? "; write the full path for another user's home"
                                                      : ", which is not set") +
                   " (got " + quote_value(text) + ")");
    return std::nullopt;
  }
  return std::filesystem::path(*path);
}

std::string against_base(const std::filesystem::path& given, const PathContext& context) {
  if (given.is_absolute() || context.base_dir.empty()) return given.string();
  return (context.base_dir / given).lexically_normal().string();
}

}  // namespace

std::optional<std::string> resolve_path(const Entry& entry, std::string_view text, const PathContext& context,
                                        DiagnosticSink& sink) {
  const auto given = expanded(entry, text, context, sink);
  if (!given) return std::nullopt;
  return against_base(*given, context);
}

std::optional<std::string> resolve_password_file(const Entry& entry, std::string_view text,
                                                 const PathContext& context, DiagnosticSink& sink) {
  const auto given = expanded(entry, text, context, sink);
  if (!given) return std::nullopt;
  if (!given->is_absolute() && !context.credentials_dir.empty()) {
    const auto credential = context.credentials_dir / *given;
    std::error_code ignored;  // unreadable credentials directory: fall back to the config's directory
    if (std::filesystem::exists(credential, ignored)) return credential.lexically_normal().string();
  }
  return against_base(*given, context);
}

}  // namespace config::detail
