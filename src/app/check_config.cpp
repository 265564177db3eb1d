// `popfetchd check-config`: validates the config, resolves every password
// source and prints a summary per account. Connects to nothing.

#include <cstdio>
#include <string>

#include "app/commands.hpp"
#include "app/format.hpp"
#include "app/load_config.hpp"

namespace app {
namespace {

std::string describe_password_source(const config::PasswordSource& source) {
  std::string text(config::to_string(source.kind));
  // The literal password is never shown; the other sources are not secret.
  if (source.kind != config::PasswordSource::Kind::Literal) text += " " + source.value;
  return text;
}

void print_account(const config::Account& account) {
  std::printf("account %s\n", account.name.c_str());
  std::printf("  server:        %s:%u\n", account.server.c_str(), static_cast<unsigned>(account.port));
  std::printf("  security:      %s\n", std::string(config::to_string(account.security)).c_str());
  std::printf("  auth:          %s\n", std::string(config::to_string(account.auth)).c_str());
  std::printf("  username:      %s\n", account.username.c_str());
  std::printf("  password from: %s\n", describe_password_source(account.password).c_str());
  if (config::verifies_certificate(account.security)) {
    std::printf("  ca_file:       %s\n", account.ca_file.empty() ? "(system bundle)" : account.ca_file.c_str());
  }
  std::printf("  poll every:    %s (timeout %s)\n", format_duration(account.poll_interval).c_str(),
              format_duration(account.timeout).c_str());
  if (account.keep) {
    std::printf("  keep:          yes, %s\n",
                account.delete_after ? ("delete from the server after " + format_duration(*account.delete_after)).c_str()
                                     : "never delete from the server");
  } else {
    std::printf("  keep:          no, delete from the server once stored\n");
  }
  std::printf("  max size:      %s\n", format_bytes(account.max_message_size).c_str());
  std::printf("  pipelining:    %s\n", std::string(config::to_string(account.pipelining)).c_str());
}

}  // namespace

int check_config(const GlobalOptions& global) {
  std::optional<config::Config> loaded = load_config_or_report(global.config_path);
  if (!loaded) return kExitUsage;
  const config::Config& cfg = *loaded;

  bool passwords_ok = true;
  for (const config::Account& account : cfg.accounts) {
    common::Result<std::string> password = config::resolve_password(account.password);
    if (!password) {
      print_error(cfg.path + ": account " + account.name + ": " + password.error().message);
      passwords_ok = false;
    }
  }
  for (const config::Diagnostic& warning : config::footgun_warnings(cfg)) {
    std::fprintf(stderr, "popfetchd: warning: %s\n", warning.to_string().c_str());
  }
  if (!passwords_ok) return kExitUsage;

  std::printf("%s: valid, %zu account%s\n", cfg.path.c_str(), cfg.accounts.size(),
              cfg.accounts.size() == 1 ? "" : "s");
  std::printf("database:       %s\n", cfg.database.c_str());
  std::printf("health socket:  %s\n", cfg.health_socket.empty() ? "(disabled)" : cfg.health_socket.c_str());
  std::printf("log level:      %s\n", std::string(common::to_string(cfg.log_level)).c_str());
  std::printf("max concurrent: %u sessions\n", cfg.max_concurrent_polls);
  for (const config::Account& account : cfg.accounts) print_account(account);
  return kExitOk;
}

}  // namespace app
