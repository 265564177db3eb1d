// load_file and load_string: reading the file, running yaml-cpp, and turning
// every exception it may throw into a Diagnostic (exceptions stop here).
#include <yaml-cpp/yaml.h>

#include <exception>
#include <vector>

#include "common/sanitize.hpp"
#include "config/config.hpp"
#include "config/diagnostic_sink.hpp"
#include "config/document.hpp"
#include "config/file_reader.hpp"
#include "config/paths.hpp"

namespace config {
namespace {

// A config for even hundreds of accounts is a few hundred KiB; anything this
// large is the wrong file, and yaml-cpp would hold all of it in memory.
constexpr std::size_t kMaxConfigSize = 16 * 1024 * 1024;

LoadResult finish(std::optional<Config> config, detail::DiagnosticSink& sink) {
  LoadResult result;
  result.errors = sink.take_sorted();
  if (result.errors.empty()) result.config = std::move(config);
  return result;
}

LoadResult load_text(const std::string& yaml, const std::string& file_name,
                     const detail::PathContext& paths) {
  detail::DiagnosticSink sink(file_name);
  std::optional<Config> config;
  try {
    const std::vector<YAML::Node> documents = YAML::LoadAll(yaml);
    if (documents.size() > 1) {
      sink.error(documents[1].Mark(),
                 "the config must be a single YAML document (found a second one after '---')");
    }
    config =
        detail::build_config(documents.empty() ? YAML::Node() : documents.front(), file_name, paths, sink);
  } catch (const YAML::ParserException& e) {
    // yaml-cpp stops at the first syntax error: one diagnostic at its position.
    // Its text may quote a raw byte of the file (e.g. "unknown escape
    // character: <LF>"): sanitised, so a diagnostic stays one printable line.
    sink.error(e.mark, "YAML syntax error: " + common::sanitize(e.msg));
  } catch (const YAML::Exception& e) {
    sink.error(e.mark, "cannot read the YAML: " + common::sanitize(e.msg));
  } catch (const std::exception& e) {
    sink.error(sink.whole_file(), "cannot load the config: " + common::sanitize(e.what()));
  }
  return finish(std::move(config), sink);
}

}  // namespace

LoadResult load_string(const std::string& yaml, const std::string& file_name) {
  return load_text(yaml, file_name, detail::PathContext::for_file(file_name, false));
}

LoadResult load_file(const std::string& path) {
  const auto prefix = detail::read_file_prefix(path, kMaxConfigSize);
  if (!prefix.ok() || prefix->truncated) {
    detail::DiagnosticSink sink(path);
    sink.error(sink.whole_file(), prefix.ok()
                                      ? "the config file is larger than 16 MiB; is this the right file?"
                                      : "cannot read the config file: " + prefix.error().message);
    return finish(std::nullopt, sink);
  }
  return load_text(prefix->bytes, path, detail::PathContext::for_file(path, true));
}

}  // namespace config
