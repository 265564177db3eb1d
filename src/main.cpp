// popfetchd's command line (DESIGN.md §1): parses arguments with CLI11 and
// hands over to one function per command in src/app/. Nothing else lives here.

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/command_help.hpp"
#include "app/commands.hpp"
#include "version.hpp"

namespace {

// Everything the command line can set, and the subcommands to tell which ran.
struct CommandLine {
  app::GlobalOptions global{app::default_config_path()};
  bool strict = false;
  std::vector<std::string> poll_accounts;
  std::vector<std::string> probe_accounts;
  bool status_json = false;
  std::optional<std::string> status_socket;
  app::ListOptions list;
  app::SearchOptions search;
  // --limit as typed: checked after parsing, so that 0 and -1 get one
  // plain sentence instead of CLI11's range.
  std::string list_limit = "50";
  std::string search_limit = "50";
  std::optional<std::string> export_account;
  std::optional<std::string> export_maildir;
  std::optional<std::string> export_mbox;
  app::ImportOptions import;
  std::int64_t show_id = 0;
  bool show_headers = false;
  std::string backup_file;
  std::string migrate_target;
  std::string deliver_account;
  std::optional<std::string> deliver_since;
  bool deliver_all = false;
  std::string import_from;
  std::string import_file;

  CLI::App* run = nullptr;
  CLI::App* check = nullptr;
  CLI::App* poll = nullptr;
  CLI::App* probe = nullptr;
  CLI::App* status = nullptr;
  CLI::App* list_cmd = nullptr;
  CLI::App* search_cmd = nullptr;
  CLI::App* show = nullptr;
  CLI::App* exporter = nullptr;
  CLI::App* importer = nullptr;
  CLI::App* backup = nullptr;
  CLI::App* migrate = nullptr;
  CLI::App* deliver = nullptr;
  CLI::App* import_config = nullptr;
};

void add_daemon_commands(CLI::App& cli, CommandLine& c) {
  c.run = cli.add_subcommand("run", "Run the daemon in the foreground (the default command)");
  c.check =
      cli.add_subcommand("check-config", "Validate the config and resolve passwords; connects to nothing");
  c.check->add_flag("--strict", c.strict,
                    "Also fail (exit 2) on warnings and on password sources that cannot be resolved");
  c.poll = cli.add_subcommand("poll-once", "Poll the named accounts (default: all) once, then exit");
  c.poll->add_option("ACCOUNT", c.poll_accounts, "Account names from the config");
  c.probe = cli.add_subcommand(
      "probe", "Connect, authenticate and report TLS, certificate, CAPA and mailbox size; fetches nothing");
  c.probe->add_option("ACCOUNT", c.probe_accounts, "Account names from the config (default: all)");
  c.status = cli.add_subcommand("status", "Ask the running daemon for its health");
  c.status->add_flag("--json", c.status_json, "Print the raw JSON from the health socket");
  c.status->add_option("--socket", c.status_socket,
                       "The daemon's health socket; the config is not read (default: health_socket from the "
                       "config, /run/popfetchd/health.sock when the config does not load)");
  c.deliver = cli.add_subcommand("deliver", "Deliver an account's archived messages to its deliver: targets");
  c.deliver->add_option("--account", c.deliver_account, "The account")->required();
  CLI::Option* since = c.deliver->add_option("--since", c.deliver_since,
                                             "Also queue messages fetched on or after this day (YYYY-MM-DD)");
  CLI::Option* all = c.deliver->add_flag("--all", c.deliver_all, "Also queue every older message of the account");
  since->excludes(all);
  c.import_config = cli.add_subcommand(
      "import-config", "Print a popfetchd config for the accounts of a fetchmail, getmail or mpop config file");
  c.import_config->add_option("--from", c.import_from, "The file's program: fetchmail, getmail or mpop")
      ->required();
  c.import_config->add_option("FILE", c.import_file, "e.g. ~/.fetchmailrc, ~/.getmail/getmailrc, ~/.mpoprc")
      ->required();
}

void add_archive_commands(CLI::App& cli, CommandLine& c) {
  c.list_cmd = cli.add_subcommand("list", "List stored messages, newest first");
  c.list_cmd->add_option("--account", c.list.account,
                         "Only this account (exit 2 if the config has none of that name)");
  c.list_cmd->add_option("--limit", c.list_limit, "At most this many messages (default 50)")->type_name("N");
  c.list_cmd->add_flag("--json", c.list.json, "Print JSON: {\"messages\": [...]}");

  c.search_cmd = cli.add_subcommand(
      "search", "Full-text search over the archive; prints the best matches and the total");
  c.search_cmd->add_option("QUERY", c.search.query, "Words to look for (SQLite FTS5 syntax)")->required();
  c.search_cmd->add_option("--account", c.search.account, "Only this account");
  c.search_cmd->add_option("--limit", c.search_limit, "At most this many matches (default 50)")
      ->type_name("N");
  c.search_cmd->add_flag("--json", c.search.json, "Print JSON: {\"total\": M, \"messages\": [...]}");

  c.show = cli.add_subcommand("show", "Print one archived message, raw (CRLF line ends), to stdout");
  c.show->add_option("ID", c.show_id, "Message id (from list or search)")->required();
  c.show->add_flag("--headers", c.show_headers, "Only the header block (up to and including the empty line)");

  c.exporter = cli.add_subcommand("export", "Write the archive as a Maildir or an mbox file");
  CLI::Option* maildir_opt =
      c.exporter->add_option("--maildir", c.export_maildir, "Maildir directory to write");
  CLI::Option* mbox_opt = c.exporter->add_option("--mbox", c.export_mbox, "mbox file to write");
  maildir_opt->excludes(mbox_opt);
  c.exporter->add_option("--account", c.export_account, "Only this account");

  c.importer = cli.add_subcommand(
      "import",
      "Store existing mail (a Maildir or an mbox file) in the archive, deduplicated; touches no server");
  CLI::Option* in_maildir =
      c.importer->add_option("--maildir", c.import.maildir, "Maildir to read (new/ and cur/)");
  CLI::Option* in_mbox =
      c.importer->add_option("--mbox", c.import.mbox, "mbox file to read (mboxrd or mboxo)");
  in_maildir->excludes(in_mbox);
  c.importer->add_option("--account", c.import.account, "The account (from the config) the mail belongs to")
      ->required();

  c.backup =
      cli.add_subcommand("backup", "Write a consistent copy of the archive (safe while the daemon runs)");
  c.backup->add_option("FILE", c.backup_file, "The copy to create (0600); never overwritten")->required();

  c.migrate = cli.add_subcommand(
      "migrate", "Copy the archive into another database (PostgreSQL or SQLite) and verify the copy; resumable");
  c.migrate->add_option("--to", c.migrate_target, "postgresql://user@host/db, or an SQLite file path")->required();
}

// Each subcommand's --help ends with the global -c and its exit statuses.
void add_help_footers(CLI::App& cli, const std::string& config_default) {
  for (CLI::App* sub : cli.get_subcommands({})) {
    sub->footer(app::command_help_footer(sub->get_name(), config_default));
  }
}

// The checks CLI11 cannot word well; they throw like CLI11's own.
void check_parsed(CommandLine& c) {
  if (c.exporter->parsed() && !c.export_maildir && !c.export_mbox)
    throw CLI::RequiredError("export needs --maildir DIR or --mbox FILE", CLI::ExitCodes::RequiredError);
  if (c.importer->parsed() && !c.import.maildir && !c.import.mbox)
    throw CLI::RequiredError("import needs --maildir DIR or --mbox FILE", CLI::ExitCodes::RequiredError);
  c.list.limit = app::parse_positive_limit(c.list_limit);
  c.search.limit = app::parse_positive_limit(c.search_limit);
  if ((c.list_cmd->parsed() && c.list.limit == 0) || (c.search_cmd->parsed() && c.search.limit == 0))
    throw CLI::ValidationError("--limit must be a positive integer");
}

int dispatch(const CommandLine& c) {
  if (c.check->parsed()) return app::check_config(c.global, c.strict);
  if (c.poll->parsed()) return app::poll_once(c.global, c.poll_accounts);
  if (c.probe->parsed()) return app::probe_accounts(c.global, c.probe_accounts);
  if (c.status->parsed()) return app::status(c.global, c.status_json, c.status_socket);
  if (c.list_cmd->parsed()) return app::list_messages(c.global, c.list);
  if (c.search_cmd->parsed()) return app::search_messages(c.global, c.search);
  if (c.show->parsed()) return app::show_message(c.global, c.show_id, c.show_headers);
  if (c.exporter->parsed())
    return app::export_archive(c.global, c.export_maildir, c.export_mbox, c.export_account);
  if (c.importer->parsed()) return app::import_mail(c.global, c.import);
  if (c.backup->parsed()) return app::backup_archive(c.global, c.backup_file);
  if (c.migrate->parsed()) return app::migrate_archive(c.global, c.migrate_target);
  if (c.import_config->parsed()) return app::import_config(c.import_from, c.import_file);
  if (c.deliver->parsed()) return app::deliver_messages(c.global, c.deliver_account, c.deliver_since, c.deliver_all);
  // `run` and no command at all both start the daemon
  return app::run_daemon(c.global);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"popfetchd: polls POP3 accounts and archives every message in SQLite", "popfetchd"};
  cli.set_version_flag("--version", std::string("popfetchd ") + popfetchd::kVersion);
  cli.require_subcommand(0, 1);
  cli.fallthrough();  // -c/--config may also follow the command name

  CommandLine c;
  cli.add_option("-c,--config", c.global.config_path,
                 "Configuration file (default: $POPFETCHD_CONFIG; else, unless root, "
                 "$XDG_CONFIG_HOME/popfetchd/popfetchd.yaml if it exists; else /etc/popfetchd/popfetchd.yaml)");
  add_daemon_commands(cli, c);
  add_archive_commands(cli, c);
  add_help_footers(cli, c.global.config_path);

  try {
    cli.parse(argc, argv);
    check_parsed(c);
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
  return dispatch(c);
}
