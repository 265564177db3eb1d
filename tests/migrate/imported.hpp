#pragma once
// Test helpers: read a sample file, import it, and load what import-config
// would print with the real config loader (under a fixed $HOME).

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "migrate/migrate.hpp"

namespace migrate_test {

inline std::string sample(const std::string& name) {
  std::ifstream in(std::string(POPFETCHD_MIGRATE_SAMPLES) + "/" + name, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline config::Environment test_env() {
  config::Environment env;
  env.get = [](const char* name) -> std::optional<std::string> {
    if (std::string(name) == "HOME") return "/home/joe";
    return std::nullopt;
  };
  return env;
}

// The YAML import_config() prints for `text`; fails the test on an error.
inline std::string imported_yaml(migrate::Tool tool, const std::string& text) {
  migrate::ImportOptions options;
  options.local_user = "localjoe";
  auto yaml = migrate::import_config(tool, text, "sample", options);
  EXPECT_TRUE(yaml.ok()) << (yaml.ok() ? "" : yaml.error().message);
  return yaml.ok() ? *yaml : std::string();
}

// Loads `yaml` as /etc/popfetchd/imported.yaml; every error is a test failure.
inline config::Config load(const std::string& yaml) {
  auto result = config::load_string(yaml, "/etc/popfetchd/imported.yaml", test_env());
  for (const auto& error : result.errors) ADD_FAILURE() << error.to_string() << "\n" << yaml;
  return result.ok() ? *result.config : config::Config{};
}

// What import-config prints for `text` (kept for failure messages and its
// comments) and what the loader makes of it.
struct Imported {
  std::string yaml;
  config::Config config;
};
inline Imported import(migrate::Tool tool, const std::string& text) {
  Imported out{imported_yaml(tool, text), {}};
  out.config = load(out.yaml);
  return out;
}

// The certificate pin the fetchmail and the mpop samples both carry.
inline constexpr const char* kSamplePin =
    "sha256:5E:1F:2A:93:0C:44:B7:8D:61:E2:19:A0:7F:3C:D5:88:4B:06:F9:12:CE:73:A1:5D:90:2B:E4:67:38:C1:0A:F6";

// `name` by value (a view): GCC 14 warns of a dangling reference when a
// temporary std::string is bound to a parameter of a function returning one.
inline const config::Account& account(const config::Config& c, std::string_view name) {
  static const config::Account kNone{};
  const config::Account* found = c.find_account(name);
  EXPECT_NE(found, nullptr) << "no account " << name;
  return found != nullptr ? *found : kNone;
}

// True when `yaml` holds a comment line containing `text`.
inline bool has_comment(const std::string& yaml, const std::string& text) {
  std::istringstream lines(yaml);
  for (std::string line; std::getline(lines, line);) {
    const auto hash = line.find_first_not_of(' ');
    if (hash != std::string::npos && line[hash] == '#' && line.find(text) != std::string::npos) return true;
  }
  return false;
}

}  // namespace migrate_test
