// resolve_password: literal, file, command or environment variable.
#include <cstdlib>
#include <string>

#include "common/secret.hpp"
#include "config/config.hpp"
#include "config/file_reader.hpp"
#include "config/password_command.hpp"

namespace config {
namespace {

common::Error config_error(std::string message) {
  return common::make_error(common::ErrorKind::Config, std::move(message));
}

common::Result<common::Secret> from_file(const std::string& path) {
  const std::string name = "password_file '" + path + "'";
  // Room for the longest allowed line and its "\r\n".
  const auto prefix = detail::read_file_prefix(path, kMaxPasswordLength + 2);
  if (!prefix.ok()) return config_error("cannot read " + name + ": " + prefix.error().message);
  auto line = detail::first_line(prefix->bytes, prefix->truncated, kMaxPasswordLength);
  if (!line) {
    return config_error(name + ": the first line is longer than " + std::to_string(kMaxPasswordLength) +
                        " bytes");
  }
  if (line->empty()) return config_error(name + " is empty (its first line holds no password)");
  return common::Secret(std::move(*line));
}

common::Result<common::Secret> from_env(const std::string& variable) {
  // getenv is not thread-safe against setenv; popfetchd resolves passwords
  // before it starts threads and never calls setenv.
  const char* value = std::getenv(variable.c_str());
  if (value == nullptr)
    return config_error("password_env: environment variable '" + variable + "' is not set");
  if (*value == '\0') return config_error("password_env: environment variable '" + variable + "' is empty");
  return common::Secret(std::string(value));
}

}  // namespace

common::Result<common::Secret> resolve_password(const PasswordSource& source) {
  switch (source.kind) {
    case PasswordSource::Kind::Literal:
      if (source.value.empty()) return config_error("password is empty");
      return common::Secret(source.value);
    case PasswordSource::Kind::File:
      return from_file(source.value);
    case PasswordSource::Kind::Command: {
      common::Result<std::string> output = detail::run_password_command(source.value, source.withheld_env);
      if (!output) return output.error();
      return common::Secret(std::move(output).value());
    }
    case PasswordSource::Kind::Env:
      return from_env(source.value);
    case PasswordSource::Kind::None:
      return common::Secret(std::string());
  }
  return config_error("unknown password source");
}

}  // namespace config
