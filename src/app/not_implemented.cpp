// Commands whose machinery has not landed yet: they say so and exit 2,
// never pretending to succeed.

#include "app/commands.hpp"

namespace app {
namespace {

int not_implemented(const char* command) {
  print_error(std::string(command) + ": not implemented yet");
  return kExitUsage;
}

}  // namespace

int run_daemon(const GlobalOptions&) { return not_implemented("run"); }
int poll_once(const GlobalOptions&, const std::vector<std::string>&) { return not_implemented("poll-once"); }
int status(const GlobalOptions&, bool) { return not_implemented("status"); }
int list_messages(const GlobalOptions&, const std::optional<std::string>&, int) {
  return not_implemented("list");
}
int search_messages(const GlobalOptions&, const std::string&, const std::optional<std::string>&) {
  return not_implemented("search");
}
int export_archive(const GlobalOptions&, const std::optional<std::string>&, const std::optional<std::string>&,
                   const std::optional<std::string>&) {
  return not_implemented("export");
}

}  // namespace app
