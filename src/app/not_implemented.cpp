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

}  // namespace app
