// load_file and load_string: reading the file, running yaml-cpp, and turning
// every exception it may throw into a Diagnostic (exceptions stop here).
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <exception>
#include <optional>
#include <sstream>
#include <string>
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

// Where each document of a stream starts, and where its content starts.
class DocumentMarks final : public YAML::EventHandler {
 public:
  struct Document {
    YAML::Mark start;
    std::optional<YAML::Mark> content;
  };

  const std::vector<Document>& documents() const { return documents_; }

  void OnDocumentStart(const YAML::Mark& mark) override { documents_.push_back({mark, std::nullopt}); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { content(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { content(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t, const std::string&) override {
    content(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    content(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    content(mark);
  }
  void OnMapEnd() override {}

 private:
  void content(const YAML::Mark& mark) {
    if (!documents_.empty() && !documents_.back().content) documents_.back().content = mark;
  }
  std::vector<Document> documents_;
};

// Checks that `yaml` holds at most one document; false when the parser got
// stuck (nothing more can be read from this text). yaml-cpp 0.7's LoadAll()
// must not be used: when its parser stops consuming input (a file holding
// just ",", yaml-cpp issue #1040, fixed upstream after 0.8) it returns a null
// document forever and loops, allocating, until memory runs out. Here the
// parser runs at most twice, and a second document that starts where the
// first one did means the parser is stuck: a syntax error at that place.
bool check_single_document(const std::string& yaml, detail::DiagnosticSink& sink) {
  std::istringstream stream(yaml);
  YAML::Parser parser(stream);
  DocumentMarks marks;
  while (marks.documents().size() < 2 && parser.HandleNextDocument(marks)) {
  }
  if (marks.documents().size() < 2) return true;
  const DocumentMarks::Document& first = marks.documents()[0];
  const DocumentMarks::Document& second = marks.documents()[1];
  if (second.start.pos == first.start.pos) {
    const auto at = static_cast<std::size_t>(std::max(0, second.start.pos));
    // Built step by step: GCC 12 at -O2 warns falsely (-Wrestrict, its bug
    // 105329) about "'" + std::string.
    std::string unexpected = "end of the file";
    if (at < yaml.size()) {
      unexpected = "'";
      unexpected += common::sanitize(yaml.substr(at, 1));
      unexpected += '\'';
    }
    sink.error(second.start, "YAML syntax error: unexpected " + unexpected);
    return false;
  }
  sink.error(second.content.value_or(second.start),
             "the config must be a single YAML document (found a second one after '---')");
  return true;
}

// Every password_env name of the file goes into each password_command
// source's withheld_env: a helper gets what it needs from our environment
// (PATH, HOME, an agent's socket) but never another account's secret.
void withhold_password_env(Config& config) {
  std::vector<std::string> names;
  for (const Account& account : config.accounts) {
    if (account.password.kind == PasswordSource::Kind::Env) names.push_back(account.password.value);
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  for (Account& account : config.accounts) {
    if (account.password.kind == PasswordSource::Kind::Command) account.password.withheld_env = names;
  }
  config.password_env_names = std::move(names);
}

LoadResult load_text(const std::string& yaml, const std::string& file_name,
                     const detail::PathContext& paths) {
  detail::DiagnosticSink sink(file_name);
  std::optional<Config> config;
  try {
    if (!check_single_document(yaml, sink)) return finish(std::nullopt, sink);
    config = detail::build_config(YAML::Load(yaml), file_name, paths, sink);
    if (config) withhold_password_env(*config);
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
  return load_string(yaml, file_name, Environment::current());
}

LoadResult load_string(const std::string& yaml, const std::string& file_name, const Environment& env) {
  return load_text(yaml, file_name, detail::PathContext::for_file(file_name, false, env));
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
