#pragma once
// The footer of each subcommand's --help: the global options (CLI11 shows
// only a subcommand's own) and the command's exit statuses. Text only; it
// parses nothing and reads no file.

#include <string>
#include <string_view>

namespace app {

// "Global options: -c,--config ..." with `config_default` (the path used
// without -c) and "Exit status:" for `command`; an unknown command gets the
// global part only.
std::string command_help_footer(std::string_view command, const std::string& config_default);

// The value of a --limit: a decimal integer from 1 to INT_MAX; 0 for anything else.
int parse_positive_limit(const std::string& text);

}  // namespace app
