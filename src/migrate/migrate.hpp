#pragma once
// The entry point of import-config: which tool's file, and its translation to
// popfetchd YAML. Pure: the caller reads the file and prints the result.
// Errors: Config, "line N: ..." from the tool's parser, or "no POP3 account".

#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "migrate/draft.hpp"

namespace migrate {

enum class Tool { Fetchmail, Getmail, Mpop };

// "fetchmail", "getmail", "mpop"; else nullopt.
std::optional<Tool> parse_tool(std::string_view name);
std::string_view to_string(Tool tool);

common::Result<Translation> translate(Tool tool, std::string_view text, const ImportOptions& options);

// translate(), then write_yaml(); an error too when no account is left
// (popfetchd needs at least one).
common::Result<std::string> import_config(Tool tool, std::string_view text, std::string_view source_file,
                                          const ImportOptions& options);

}  // namespace migrate
