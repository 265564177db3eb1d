// `popfetchd check-config`: validates the config, resolves every password
// source and prints a summary per account. Connects to nothing.

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "app/commands.hpp"
#include "app/load_config.hpp"
#include "config/service_access.hpp"
#include "common/format.hpp"
#include "store/pg/conninfo.hpp"

namespace app {
namespace {

std::string describe_password_source(const config::PasswordSource& source) {
  std::string text(config::to_string(source.kind));
  // The literal password is never shown; the other sources are not secret.
  if (source.kind != config::PasswordSource::Kind::Literal) text += " " + source.value;
  return text;
}

void print_account(const config::Account& account, bool password_resolved) {
  std::printf("account %s\n", account.name.c_str());
  std::printf("  server:        %s:%u\n", account.server.c_str(), static_cast<unsigned>(account.port));
  std::printf("  security:      %s\n", std::string(config::to_string(account.security)).c_str());
  std::printf("  auth:          %s\n", std::string(config::to_string(account.auth)).c_str());
  std::printf("  username:      %s\n", account.username.c_str());
  std::printf("  password from: %s (%s)\n", describe_password_source(account.password).c_str(),
              password_resolved ? "resolved" : "NOT resolvable now");
  if (config::verifies_certificate(account.security)) {
    std::printf("  ca_file:       %s\n", account.ca_file.empty() ? "(system bundle)" : account.ca_file.c_str());
  }
  std::printf("  poll every:    %s (timeout %s)\n", common::format_duration(account.poll_interval).c_str(),
              common::format_duration(account.timeout).c_str());
  if (account.keep) {
    std::printf("  keep:          yes, %s\n",
                account.delete_after ? ("delete from the server after " + common::format_duration(*account.delete_after)).c_str()
                                     : "never delete from the server");
  } else {
    std::printf("  keep:          no, delete from the server once stored\n");
  }
  std::printf("  max size:      %s\n", common::format_bytes(account.max_message_size).c_str());
  std::printf("  pipelining:    %s\n", std::string(config::to_string(account.pipelining)).c_str());
  for (const config::DeliveryTarget& target : account.deliver) {
    std::string line = target.key();
    if (target.kind == config::DeliveryTarget::Kind::Lmtp) line += " (recipient " + target.recipient + ")";
    std::printf("  delivers to:   %s\n", line.c_str());
  }
  const auto print_hook = [](const char* label, const std::vector<std::string>& argv) {
    if (argv.empty()) return;
    std::string line;
    for (const std::string& word : argv) line += (line.empty() ? "" : " ") + word;
    std::printf("  %-14s %s\n", label, line.c_str());
  };
  print_hook("on_failure:", account.on_failure);
  print_hook("on_new_mail:", account.on_new_mail);
}

// What would make a delivery target fail at once: an MDA that cannot be run,
// a Maildir or mbox whose directory is missing.
std::size_t delivery_warnings(const config::Config& cfg, const config::Account& account) {
  std::size_t warnings = 0;
  auto warn = [&](const std::string& text) {
    std::fprintf(stderr, "popfetchd: warning: %s: account '%s': %s\n", cfg.path.c_str(), account.name.c_str(),
                 text.c_str());
    ++warnings;
  };
  for (const config::DeliveryTarget& target : account.deliver) {
    using Kind = config::DeliveryTarget::Kind;
    if (target.kind == Kind::Mda && access(target.argv.front().c_str(), X_OK) != 0) {
      warn("mda '" + target.argv.front() + "' cannot be run here: " + std::strerror(errno));
    }
    if (target.kind == Kind::Maildir || target.kind == Kind::Mbox) {
      const std::string parent = std::filesystem::path(target.path).parent_path().string();
      if (access(parent.c_str(), F_OK) != 0) {
        warn(std::string(config::to_string(target.kind)) + " '" + target.path + "': directory '" + parent +
             "' does not exist (" + std::strerror(errno) + "); deliveries wait until it does");
      }
    }
  }
  return warnings;
}

}  // namespace

int check_config(const GlobalOptions& global, bool strict) {
  std::optional<config::Config> loaded = load_config_or_report(global.config_path);
  if (!loaded) return kExitUsage;
  const config::Config& cfg = *loaded;

  // A password source that cannot be resolved here (a systemd credential, a
  // variable set only in the service's environment, a locked password store)
  // may well resolve inside the service: a warning, unless --strict.
  std::vector<bool> resolved;
  std::size_t warnings = 0;
  for (const config::Account& account : cfg.accounts) {
    common::Result<common::Secret> password = config::resolve_password(account.password);
    resolved.push_back(password.ok());
    if (!password) {
      std::fprintf(stderr, "popfetchd: warning: %s: account '%s': %s\n", cfg.path.c_str(), account.name.c_str(),
                   password.error().message.c_str());
      ++warnings;
    }
  }
  for (const config::Account& account : cfg.accounts) {
    if (config::verifies_certificate(account.security) && !account.ca_file.empty() &&
        access(account.ca_file.c_str(), R_OK) != 0) {
      std::fprintf(stderr, "popfetchd: warning: %s: account '%s': cannot read ca_file '%s': %s\n", cfg.path.c_str(),
                   account.name.c_str(), account.ca_file.c_str(), std::strerror(errno));
      ++warnings;
    }
    warnings += delivery_warnings(cfg, account);
  }
  if (const auto file = config::file_facts(cfg.path)) {
    if (auto advice = config::service_access_advice(cfg.path, *file, ::geteuid() == 0)) {
      std::fprintf(stderr, "popfetchd: warning: %s\n", advice->c_str());
      ++warnings;
    }
  }
  for (const config::Diagnostic& warning : config::footgun_warnings(cfg)) {
    std::fprintf(stderr, "popfetchd: warning: %s\n", warning.to_string().c_str());
    ++warnings;
  }

  std::printf("%s: valid, %zu account%s\n", cfg.path.c_str(), cfg.accounts.size(),
              cfg.accounts.size() == 1 ? "" : "s");
  std::printf("database:       %s\n", store::pg::sanitize_conninfo(cfg.database).c_str());
  std::printf("health socket:  %s\n", cfg.health_socket.empty() ? "(disabled)" : cfg.health_socket.c_str());
  std::printf("log level:      %s\n", std::string(common::to_string(cfg.log_level)).c_str());
  std::printf("max concurrent: %u sessions\n", cfg.max_concurrent_polls);
  for (std::size_t i = 0; i < cfg.accounts.size(); ++i) print_account(cfg.accounts[i], resolved[i]);
  if (strict && warnings > 0) {
    print_error(std::to_string(warnings) + " warning(s), failing because of --strict");
    return kExitUsage;
  }
  return kExitOk;
}

}  // namespace app
