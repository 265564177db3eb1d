// libFuzzer target: arbitrary text into config::load_string, the loader every
// config file goes through. yaml-cpp throws; the loader must turn every
// exception into a Diagnostic, so an exception escaping (libFuzzer reports it
// as a crash), a sanitizer report or a broken promise below is a finding:
//   - the result is either a Config or at least one diagnostic, never both
//     or neither;
//   - a valid Config keeps the validator's promises (names, ports, enums);
//   - every diagnostic formats to one line.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace {

// Prints the promise and the offending text (escaped), then aborts.
[[noreturn]] void broken(const char* promise, std::string_view detail) {
  std::string escaped;
  for (unsigned char c : detail) {
    if (c >= 0x20 && c < 0x7f) {
      escaped += static_cast<char>(c);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      escaped += hex;
    }
  }
  std::fprintf(stderr, "config_fuzzer: broken promise: %s: %s\n", promise, escaped.c_str());
  std::abort();
}

void check(bool ok, const char* promise, std::string_view detail = {}) {
  if (!ok) broken(promise, detail);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string yaml(reinterpret_cast<const char*>(data), size);
  const config::LoadResult result = config::load_string(yaml, "fuzz/popfetchd.yaml");
  check(result.ok() != !result.errors.empty(), "a config xor diagnostics");
  for (const config::Diagnostic& diagnostic : result.errors) {
    const std::string line = diagnostic.to_string();
    check(!line.empty() && line.find('\n') == std::string::npos, "a diagnostic is one line", line);
  }
  if (!result.ok()) return 0;
  for (const config::Account& account : result.config->accounts) {
    check(!account.name.empty(), "account names are not empty");
    check(!account.server.empty(), "every account has a server");
    check(account.port != 0, "ports are 1..65535");
    check(account.timeout.count() > 0, "timeouts are positive");
    check(account.poll_interval >= config::kMinPollInterval, "poll_interval has a minimum");
    check(result.config->find_account(account.name) != nullptr, "accounts can be found by name");
  }
  // Warnings only look at values (and stat() files named in the config).
  (void)config::footgun_warnings(*result.config);
  return 0;
}
