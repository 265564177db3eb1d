// The top level of the config file; see document.hpp.
#include "config/document.hpp"

#include <yaml-cpp/yaml.h>

#include <array>
#include <cctype>
#include <climits>
#include <cstdint>
#include <map>
#include <vector>

#include "config/account_builder.hpp"
#include "config/account_fields.hpp"
#include "config/key_names.hpp"
#include "config/yaml_values.hpp"

namespace config::detail {
namespace {

// sockaddr_un::sun_path is 108 bytes on Linux, including the terminating NUL.
constexpr std::size_t kMaxSocketPath = 107;

// Far above any provider's limit; a larger number is a typo, not a setting.
constexpr std::int64_t kMaxPollsPerServer = 100'000;

// libpq's URI forms select the PostgreSQL archive (store/pg/conninfo.hpp
// decides the same way; config cannot depend on store). Kept as written:
// it is not a path.
bool is_postgres_uri(std::string_view text) {
  auto starts = [&text](std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
    }
    return true;
  };
  return starts("postgresql://") || starts("postgres://");
}

class DocumentBuilder {
 public:
  DocumentBuilder(const std::string& path, const PathContext& paths, DiagnosticSink& sink)
      : paths_(paths), sink_(sink) {
    config_.path = path;
    config_.database = paths.defaults.database;
    config_.health_socket = paths.defaults.health_socket;
  }

  std::optional<Config> build(const YAML::Node& root) {
    if (root.IsNull()) {
      // An empty document has no mark; its first line is the natural place to point.
      sink_.error(Location{sink_.file(), 1, 1},
                  "the config is empty: expected at least 'accounts:' with one account");
      return std::nullopt;
    }
    if (!root.IsMap()) {
      sink_.error(root.Mark(), "the config must be a map of settings (database:, accounts:, ...)");
      return std::nullopt;
    }
    const Entry* accounts = nullptr;
    const Entry* defaults = nullptr;
    const auto entries = map_entries(root, sink_);
    for (const Entry& entry : entries) {
      if (entry.key == "database") {
        parse_database(entry);
      } else if (entry.key == "health_socket") {
        parse_health_socket(entry);
      } else if (entry.key == "health_socket_group") {
        if (const auto text = scalar_text(entry, "a group name", sink_, true)) config_.health_socket_group = *text;
      } else if (entry.key == "health_socket_mode") {
        parse_health_socket_mode(entry);
      } else if (entry.key == "metrics_listen") {
        parse_metrics_listen(entry);
      } else if (entry.key == "log_level") {
        if (const auto level = read_enum(entry, kLogLevelNames, sink_)) config_.log_level = *level;
      } else if (entry.key == "max_concurrent_polls") {
        parse_max_concurrent_polls(entry);
      } else if (entry.key == "max_polls_per_server") {
        parse_max_polls_per_server(entry);
      } else if (entry.key == "defaults") {
        defaults = &entry;
      } else if (entry.key == "accounts") {
        accounts = &entry;
      } else {
        sink_.error(entry.key_location, unknown_key_message(entry.key, KeyScope::TopLevel));
      }
    }
    // defaults: may come after accounts: in the file; it is needed first.
    const AccountFields default_fields = parse_defaults(defaults);
    if (accounts == nullptr) {
      sink_.error(sink_.at(root.Mark()), "no 'accounts:': expected a list with at least one account");
    } else {
      parse_accounts(*accounts, default_fields);
    }
    refuse_delivery_on_postgres();
    if (sink_.count() != 0) return std::nullopt;
    return std::move(config_);
  }

 private:
  void parse_database(const Entry& e) {
    const auto text = scalar_text(e, "the path of the SQLite archive or a postgresql:// URI", sink_);
    if (!text) return;
    if (text->empty()) {
      sink_.error(e.value_location, "database must not be empty: expected the path of the SQLite archive or a postgresql:// URI");
      return;
    }
    if (is_postgres_uri(*text)) {
      config_.database = *text;
      return;
    }
    if (auto path = resolve_path(e, *text, paths_, sink_)) config_.database = *path;
  }

  // The PostgreSQL archive has no delivery tables yet.
  void refuse_delivery_on_postgres() {
    if (!is_postgres_uri(config_.database)) return;
    for (const Account& account : config_.accounts) {
      if (account.deliver.empty()) continue;
      sink_.error(account.location, "account '" + account.name +
                                        "': deliver: targets are not yet supported with a PostgreSQL archive;"
                                        " use an SQLite database for this config, or remove deliver:");
    }
  }

  void parse_health_socket(const Entry& e) {
    const auto text = scalar_text(e, "the path of a Unix socket, or \"\" to disable it", sink_, true);
    if (!text) return;
    const auto resolved = text->empty() ? std::optional<std::string>("") : resolve_path(e, *text, paths_, sink_);
    if (!resolved) return;
    const std::string& path = *resolved;
    if (path.size() > kMaxSocketPath) {
      sink_.error(e.value_location, "health_socket path is " + std::to_string(path.size()) +
                                        " bytes long once resolved; a Unix socket path can have at most " +
                                        std::to_string(kMaxSocketPath));
      return;
    }
    config_.health_socket = path;
  }

  // Octal as chmod takes it ("0660", "660"); the owner (the daemon) keeps
  // read and write, and no setuid/setgid/sticky bits.
  void parse_health_socket_mode(const Entry& e) {
    constexpr std::string_view kExpected = "an octal mode such as 0660 that keeps the owner's rw (0600 to 0777)";
    const auto text = scalar_text(e, kExpected, sink_);
    if (!text) return;
    unsigned mode = 0;
    bool ok = !text->empty() && text->size() <= 4;
    for (char c : *text) {
      ok = ok && c >= '0' && c <= '7';
      mode = mode * 8 + static_cast<unsigned>(c - '0');
    }
    if (!ok || mode > 0777 || (mode & 0600) != 0600) {
      sink_.error(e.value_location,
                  "health_socket_mode must be " + std::string(kExpected) + " (got " + quote_value(*text) + ")");
      return;
    }
    config_.health_socket_mode = mode;
  }

  void parse_metrics_listen(const Entry& e) {
    constexpr std::string_view kExpected = "an IP address and port such as 127.0.0.1:9423 or [::1]:9423";
    const auto text = scalar_text(e, kExpected, sink_, true);
    if (!text) return;
    if (text->empty()) {
      config_.metrics_listen.reset();
      return;
    }
    const auto address = parse_listen_address(*text);
    if (!address) {
      sink_.error(e.value_location,
                  "metrics_listen must be " + std::string(kExpected) + " (got " + quote_value(*text) + ")");
      return;
    }
    config_.metrics_listen = *address;
  }

  void parse_max_concurrent_polls(const Entry& e) {
    constexpr std::string_view kExpected = "a positive integer";
    const auto text = scalar_text(e, kExpected, sink_);
    if (!text) return;
    const auto value = parse_integer(*text);
    if (!value || *value < 1 || *value > INT_MAX) {
      sink_.error(e.value_location, "max_concurrent_polls must be " + std::string(kExpected) + " (got " +
                                        quote_value(*text) + ")");
      return;
    }
    config_.max_concurrent_polls = static_cast<unsigned>(*value);
  }

  void parse_max_polls_per_server(const Entry& e) {
    constexpr std::string_view kExpected = "an integer from 0 (no cap per server) to 100000";
    const auto text = scalar_text(e, kExpected, sink_);
    if (!text) return;
    const auto value = parse_integer(*text);
    if (!value || *value < 0 || *value > kMaxPollsPerServer) {
      sink_.error(e.value_location, "max_polls_per_server must be " + std::string(kExpected) + " (got " +
                                        quote_value(*text) + ")");
      return;
    }
    config_.max_polls_per_server = static_cast<unsigned>(*value);
  }

  AccountFields parse_defaults(const Entry* e) {
    if (e == nullptr || e->value.IsNull()) return AccountFields{};
    if (!e->value.IsMap()) {
      sink_.error(e->value_location, "defaults must be a map of account settings (poll_interval: 5m, ...)");
      return AccountFields{};
    }
    AccountFields fields = parse_account_fields(e->value, KeyScope::Defaults, paths_, sink_);
    check_keep_conflict(fields, sink_);
    return fields;
  }

  void parse_accounts(const Entry& e, const AccountFields& defaults) {
    if (e.value.IsNull()) {
      sink_.error(e.value_location, "accounts is empty: expected at least one account");
      return;
    }
    if (!e.value.IsSequence()) {
      sink_.error(e.value_location,
                  "accounts must be a list of accounts (each item starting with '- name:')");
      return;
    }
    if (e.value.size() == 0) {
      sink_.error(e.value_location, "accounts is empty: expected at least one account");
      return;
    }
    std::map<std::string, int, std::less<>> first_line;
    for (const YAML::Node& item : e.value) {
      if (!item.IsMap()) {
        sink_.error(item.Mark(), "each account must be a map of settings starting with '- name:'");
        continue;
      }
      const AccountFields own = parse_account_fields(item, KeyScope::Account, paths_, sink_);
      if (own.name) {
        const auto [seen, inserted] = first_line.emplace(own.name->value, own.name->location.line);
        if (!inserted) {
          sink_.error(own.name->location, "duplicate account name '" + own.name->value +
                                              "' (first defined at line " + std::to_string(seen->second) +
                                              ")");
        }
      }
      if (auto account = build_account(defaults, own, sink_)) config_.accounts.push_back(std::move(*account));
    }
  }

  const PathContext& paths_;
  DiagnosticSink& sink_;
  Config config_;
};

}  // namespace

std::optional<Config> build_config(const YAML::Node& root, const std::string& path, const PathContext& paths,
                                   DiagnosticSink& sink) {
  return DocumentBuilder(path, paths, sink).build(root);
}

}  // namespace config::detail
