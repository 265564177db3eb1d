#include "migrate/migrate.hpp"

#include <utility>
#include <vector>

#include "migrate/fetchmail.hpp"
#include "migrate/getmail.hpp"
#include "migrate/mpop.hpp"
#include "migrate/yaml_writer.hpp"

namespace migrate {

std::optional<Tool> parse_tool(std::string_view name) {
  if (name == "fetchmail") return Tool::Fetchmail;
  if (name == "getmail") return Tool::Getmail;
  if (name == "mpop") return Tool::Mpop;
  return std::nullopt;
}

std::string_view to_string(Tool tool) {
  switch (tool) {
    case Tool::Fetchmail: return "fetchmail";
    case Tool::Getmail: return "getmail";
    case Tool::Mpop: break;
  }
  return "mpop";
}

common::Result<Translation> translate(Tool tool, std::string_view text, const ImportOptions& options) {
  switch (tool) {
    case Tool::Fetchmail: return from_fetchmail(text, options);
    case Tool::Getmail: return from_getmail(text);
    case Tool::Mpop: break;
  }
  return from_mpop(text);
}

common::Result<std::string> import_config(Tool tool, std::string_view text, std::string_view source_file,
                                          const ImportOptions& options) {
  auto translation = translate(tool, text, options);
  if (!translation) return translation.error();
  // popfetchd needs a server and a user name for every account.
  std::vector<Draft> complete;
  for (Draft& draft : translation->accounts) {
    if (draft.server.empty()) {
      translation->notes.push_back(std::string(to_string(tool)) + ": an account without a server not carried over");
      continue;
    }
    if (draft.username.empty()) {
      draft.username = options.local_user.empty() ? "CHANGEME" : options.local_user;
      draft.notes.push_back(std::string(to_string(tool)) + ": no user name given: took '" + draft.username + "'");
    }
    complete.push_back(std::move(draft));
  }
  translation->accounts = std::move(complete);
  if (translation->accounts.empty()) {
    std::string message = "no POP3 account to import";
    for (const std::string& note : translation->notes) message += "; " + note;
    return common::make_error(common::ErrorKind::Config, message);
  }
  return write_yaml(*translation, to_string(tool), source_file);
}

}  // namespace migrate
