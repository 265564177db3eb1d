#pragma once
// The valid key names of each map in the config file, and the "unknown key"
// message with a "did you mean" suggestion. Pure string work; internal to src/config.

#include <array>
#include <string>
#include <string_view>

namespace config::detail {

inline constexpr std::array<std::string_view, 6> kTopLevelKeys = {
    "database", "health_socket", "log_level", "max_concurrent_polls", "defaults", "accounts",
};

inline constexpr std::array<std::string_view, 18> kAccountKeys = {
    "name",     "email",         "server",           "security",     "port",    "username",      "auth",
    "password", "password_file", "password_command", "password_env", "ca_file", "poll_interval", "timeout",
    "keep",     "delete_after",  "max_message_size", "pipelining",
};

inline constexpr std::array<std::string_view, 4> kPasswordKeys = {
    "password",
    "password_file",
    "password_command",
    "password_env",
};

enum class KeyScope { TopLevel, Defaults, Account };

bool is_account_key(std::string_view key);
bool is_password_key(std::string_view key);

// "unknown account key 'pol_interval'; did you mean 'poll_interval'?", or, with
// nothing close, the list of valid keys; a top-level key inside an account (or
// the reverse) says where it belongs.
std::string unknown_key_message(std::string_view key, KeyScope scope);

}  // namespace config::detail
