#include "pop3/command.hpp"

#include <utility>

namespace pop3 {

std::string_view to_string(CommandKind kind) {
  switch (kind) {
    case CommandKind::Greeting:
      return "greeting";
    case CommandKind::Capa:
      return "CAPA";
    case CommandKind::Stls:
      return "STLS";
    case CommandKind::User:
      return "USER";
    case CommandKind::Pass:
      return "PASS";
    case CommandKind::Apop:
      return "APOP";
    case CommandKind::Auth:
      return "AUTH";
    case CommandKind::Stat:
      return "STAT";
    case CommandKind::List:
      return "LIST";
    case CommandKind::Uidl:
      return "UIDL";
    case CommandKind::Retr:
      return "RETR";
    case CommandKind::Top:
      return "TOP";
    case CommandKind::Dele:
      return "DELE";
    case CommandKind::Noop:
      return "NOOP";
    case CommandKind::Rset:
      return "RSET";
    case CommandKind::Quit:
      return "QUIT";
    case CommandKind::Utf8:
      return "UTF8";
  }
  return "?";
}

ReplyShape CommandTag::shape() const {
  switch (kind) {
    case CommandKind::Capa:
      return ReplyShape::Listing;
    case CommandKind::List:
    case CommandKind::Uidl:
      return msgno == 0 ? ReplyShape::Listing : ReplyShape::SingleLine;
    case CommandKind::Retr:
    case CommandKind::Top:
      return ReplyShape::Body;
    case CommandKind::Auth:
      return ReplyShape::Sasl;
    default:
      return ReplyShape::SingleLine;
  }
}

std::string CommandTag::describe() const {
  // Appending piece by piece (not `" " + str`) also sidesteps a GCC 12
  // -Wrestrict false positive in optimised builds.
  std::string out(to_string(kind));
  if (kind == CommandKind::Auth && !mechanism.empty()) out.append(" ").append(mechanism);
  if (msgno != 0) out.append(" ").append(std::to_string(msgno));
  if (kind == CommandKind::Top) out.append(" ").append(std::to_string(lines));
  return out;
}

Command Command::simple(CommandKind kind, std::uint32_t msgno, std::uint32_t lines) {
  CommandTag tag{kind, msgno, lines, {}, {}};
  std::string line = tag.describe();
  std::string trace = line;
  return Command(std::move(tag), std::move(line), std::move(trace));
}

Command Command::greeting() { return Command(CommandTag{}, {}, {}); }
Command Command::capa() { return simple(CommandKind::Capa); }
Command Command::stls() { return simple(CommandKind::Stls); }
Command Command::stat() { return simple(CommandKind::Stat); }
Command Command::list(std::uint32_t msgno) { return simple(CommandKind::List, msgno); }
Command Command::uidl(std::uint32_t msgno) { return simple(CommandKind::Uidl, msgno); }
Command Command::retr(std::uint32_t msgno) { return simple(CommandKind::Retr, msgno); }
Command Command::dele(std::uint32_t msgno) { return simple(CommandKind::Dele, msgno); }
Command Command::noop() { return simple(CommandKind::Noop); }
Command Command::rset() { return simple(CommandKind::Rset); }
Command Command::quit() { return simple(CommandKind::Quit); }
Command Command::utf8() { return simple(CommandKind::Utf8); }
Command Command::top(std::uint32_t msgno, std::uint32_t lines) {
  return simple(CommandKind::Top, msgno, lines);
}

Command Command::user(std::string_view name) {
  std::string line = "USER " + std::string(name);
  std::string trace = line;  // a user name is not a secret
  return Command(CommandTag{CommandKind::User, 0, 0, {}, {}}, std::move(line), std::move(trace));
}

Command Command::pass(std::string_view password) {
  return Command(CommandTag{CommandKind::Pass, 0, 0, {}, {}}, "PASS " + std::string(password), "PASS ***");
}

Command Command::apop(std::string_view name, std::string_view digest) {
  // The digest is not the password, but it lets an eavesdropper test guesses
  // offline, so it is redacted too.
  return Command(CommandTag{CommandKind::Apop, 0, 0, {}, {}},
                 "APOP " + std::string(name) + " " + std::string(digest),
                 "APOP " + std::string(name) + " ***");
}

Command Command::auth(std::string_view mechanism, std::string_view initial_response) {
  std::string line = "AUTH " + std::string(mechanism);
  std::string trace = line;
  if (!initial_response.empty()) {
    line.append(" ").append(initial_response);
    trace += " ***";
  }
  return Command(CommandTag{CommandKind::Auth, 0, 0, std::string(mechanism), {}}, std::move(line),
                 std::move(trace));
}

}  // namespace pop3
