#include "app/command_help.hpp"

#include <charconv>
#include <climits>
#include <string>

namespace app {
namespace {

struct ExitCodes {
  std::string_view command;
  std::string_view lines;
};

// Kept next to the commands' own comments (app/commands.hpp, DESIGN.md §1).
constexpr ExitCodes kExitCodes[] = {
    {"run", "  0  stopped by SIGTERM or SIGINT\n  1  could not start (archive, health socket)\n"
            "  2  invalid config\n"},
    {"check-config", "  0  the config is valid (warnings are printed)\n"
                     "  2  invalid config; with --strict also any warning\n"},
    {"poll-once", "  0  every account polled\n  1  an account failed\n  2  invalid config or unknown account\n"},
    {"probe", "  0  every account connected and authenticated\n  1  an account failed\n"
              "  2  invalid config or unknown account\n"},
    {"status", "  0  healthy\n  1  degraded (an account failing, a reload rejected)\n"
               "  2  invalid config and no --socket\n  3  the daemon did not answer\n"},
    {"deliver", "  0  every pending message delivered\n  1  a delivery failed (it is retried later)\n"
                "  2  invalid config, unknown account or bad --since\n"},
    {"list", "  0  listed\n  1  the archive cannot be read\n  2  invalid config, bad option or unknown account\n"},
    {"search", "  0  searched (also when nothing matches)\n  1  the archive cannot be read\n"
               "  2  invalid config, bad option, bad query or unknown account\n"},
    {"show", "  0  printed\n  1  no such message, or the archive cannot be read\n  2  invalid config\n"},
    {"export", "  0  exported\n  1  writing failed\n  2  invalid config, no target or unknown account\n"},
    {"import", "  0  imported\n  1  failed (what was committed stays)\n"
               "  2  invalid config, unknown account or not a Maildir / mbox file\n"},
    {"backup", "  0  copied\n  1  failed (no partial copy is left)\n  2  invalid config or FILE exists\n"},
    {"migrate", "  0  copied and verified\n  1  copying or verifying failed (what was copied stays; run again to resume)\n"
                "  2  invalid config, no archive to copy, or --to names it\n"},
};

}  // namespace

std::string command_help_footer(std::string_view command, const std::string& config_default) {
  std::string footer = "Global options:\n  -c,--config FILE  Configuration file (here: " + config_default +
                       "; see popfetchd --help for the search order)\n";
  for (const ExitCodes& codes : kExitCodes) {
    if (codes.command != command) continue;
    footer += "\nExit status:\n";
    footer += codes.lines;
  }
  return footer;
}

int parse_positive_limit(const std::string& text) {
  int value = 0;
  const char* end = text.data() + text.size();
  auto [stop, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc() || stop != end || value < 1) return 0;
  return value;
}

}  // namespace app
