#include "integration/popfetchd_cli.hpp"

#include <sstream>

#include "support/files.hpp"

#ifndef POPFETCHD_BINARY
#error "POPFETCHD_BINARY must be defined by CMake ($<TARGET_FILE:popfetchd>)"
#endif

namespace integration {

std::string popfetchd_binary() { return POPFETCHD_BINARY; }

std::string render_config(const std::string& database, const std::vector<ConfigAccount>& accounts,
                          const std::string& log_level) {
  std::ostringstream yaml;
  yaml << "database: \"" << database << "\"\n"
       << "health_socket: \"\"\n"
       << "log_level: " << log_level << "\n"
       << "accounts:\n";
  for (const auto& account : accounts) {
    yaml << "  - name: " << account.name << "\n"
         << "    server: \"" << account.server << "\"\n"
         << "    port: " << account.port << "\n"
         << "    security: " << account.security << "\n"
         << "    auth: " << account.auth << "\n"
         << "    username: \"" << (account.username.empty() ? account.name : account.username) << "\"\n"
         << "    password: \"" << account.password << "\"\n"
         << "    keep: " << (account.keep ? "true" : "false") << "\n"
         << "    timeout: 20s\n";
    for (const auto& line : account.extra) yaml << "    " << line << "\n";
  }
  return yaml.str();
}

common::Status write_config(const std::filesystem::path& path, const std::string& database,
                            const std::vector<ConfigAccount>& accounts, const std::string& log_level) {
  return test_support::write_file(path, render_config(database, accounts, log_level), 0600);
}

common::Result<test_support::CapturedRun> run_popfetchd(const std::vector<std::string>& args,
                                                        const std::filesystem::path& dir,
                                                        const std::vector<std::string>& environment,
                                                        const std::vector<std::string>& prefix) {
  std::vector<std::string> argv = prefix;
  argv.push_back(popfetchd_binary());
  argv.insert(argv.end(), args.begin(), args.end());
  return test_support::ChildProcess::run_captured(argv, dir, environment, std::chrono::seconds(120));
}

bool sanitizer_clean(const std::string& stderr_text) {
  return stderr_text.find("Sanitizer") == std::string::npos &&
         stderr_text.find("runtime error:") == std::string::npos;
}

}  // namespace integration
