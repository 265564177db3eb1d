// popfetchd's command line (DESIGN.md §1): parses arguments with CLI11 and
// hands over to one function per command in src/app/. Nothing else lives here.

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

#include "app/commands.hpp"
#include "version.hpp"

int main(int argc, char** argv) {
  CLI::App cli{"popfetchd: polls POP3 accounts and archives every message in SQLite", "popfetchd"};
  cli.set_version_flag("--version", std::string("popfetchd ") + popfetchd::kVersion);
  cli.require_subcommand(0, 1);
  cli.fallthrough();  // -c/--config may also follow the command name

  app::GlobalOptions global{app::default_config_path()};
  cli.add_option("-c,--config", global.config_path,
                 "Configuration file (default: $POPFETCHD_CONFIG, else /etc/popfetchd/popfetchd.yaml)");

  CLI::App* run = cli.add_subcommand("run", "Run the daemon in the foreground (the default command)");
  bool strict = false;
  CLI::App* check = cli.add_subcommand("check-config", "Validate the config and resolve passwords; connects to nothing");
  check->add_flag("--strict", strict, "Also fail (exit 2) on warnings and on password sources that cannot be resolved");

  std::vector<std::string> poll_accounts;
  CLI::App* poll = cli.add_subcommand("poll-once", "Poll the named accounts (default: all) once, then exit");
  poll->add_option("ACCOUNT", poll_accounts, "Account names from the config");

  bool status_json = false;
  CLI::App* status = cli.add_subcommand("status", "Ask the running daemon for its health");
  status->add_flag("--json", status_json, "Print the raw JSON from the health socket");

  std::optional<std::string> account;
  int limit = 50;
  CLI::App* list = cli.add_subcommand("list", "List stored messages, newest first");
  list->add_option("--account", account, "Only this account");
  list->add_option("--limit", limit, "At most this many messages")->check(CLI::PositiveNumber);

  std::optional<std::string> maildir;
  std::optional<std::string> mbox;
  CLI::App* exporter = cli.add_subcommand("export", "Write the archive as a Maildir or an mbox file");
  CLI::Option* maildir_opt = exporter->add_option("--maildir", maildir, "Maildir directory to write");
  CLI::Option* mbox_opt = exporter->add_option("--mbox", mbox, "mbox file to write");
  maildir_opt->excludes(mbox_opt);
  exporter->add_option("--account", account, "Only this account");

  std::string query;
  CLI::App* search = cli.add_subcommand("search", "Full-text search over the archive");
  search->add_option("QUERY", query, "Words to look for (SQLite FTS5 syntax)")->required();
  search->add_option("--account", account, "Only this account");

  std::string deliver_account;
  std::optional<std::string> since;
  bool deliver_all = false;
  CLI::App* deliver = cli.add_subcommand("deliver", "Deliver an account's archived messages to its deliver: targets");
  deliver->add_option("--account", deliver_account, "The account")->required();
  CLI::Option* since_opt =
      deliver->add_option("--since", since, "Also queue messages fetched on or after this day (YYYY-MM-DD)");
  CLI::Option* all_opt = deliver->add_flag("--all", deliver_all, "Also queue every older message of the account");
  since_opt->excludes(all_opt);

  try {
    cli.parse(argc, argv);
    if (exporter->parsed() && !maildir && !mbox) throw CLI::RequiredError("export needs --maildir DIR or --mbox FILE");
  } catch (const CLI::CallForHelp& e) {
    return cli.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return cli.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return cli.exit(e);
  } catch (const CLI::ExtrasError& e) {
    // CLI11 says "The following argument was not expected: frobnicate".
    const std::string what = e.what();
    const std::size_t colon = what.find(": ");
    const std::string extras = colon == std::string::npos ? what : what.substr(colon + 2);
    app::print_error("unknown command or argument: " + extras + " (see popfetchd --help)");
    return app::kExitUsage;
  } catch (const CLI::ParseError& e) {
    app::print_error(std::string(e.what()) + " (see popfetchd --help)");
    return app::kExitUsage;
  }

  if (check->parsed()) return app::check_config(global, strict);
  if (poll->parsed()) return app::poll_once(global, poll_accounts);
  if (status->parsed()) return app::status(global, status_json);
  if (list->parsed()) return app::list_messages(global, account, limit);
  if (exporter->parsed()) return app::export_archive(global, maildir, mbox, account);
  if (deliver->parsed()) return app::deliver_messages(global, deliver_account, since, deliver_all);
  if (search->parsed()) return app::search_messages(global, query, account);
  (void)run;  // `run` and no command at all both start the daemon
  return app::run_daemon(global);
}
