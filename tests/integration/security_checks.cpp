#include "integration/security_checks.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "integration/archive_probe.hpp"
#include "integration/server_suite.hpp"

namespace integration::security {

using config::AuthMethod;
using config::Security;
using ::testing::HasSubstr;
using ::testing::Not;

std::string name_of(Security security) { return std::string(config::to_string(security)); }
std::string name_of(AuthMethod auth) { return std::string(config::to_string(auth)); }

std::vector<std::string> lines_containing(const std::string& text, const std::string& needle) {
  std::vector<std::string> found;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    if (line.find(needle) != std::string::npos) found.push_back(line);
    start = end + 1;
  }
  return found;
}

std::vector<std::string> auth_lines_for(const std::string& log, const std::string& user) {
  auto lines = lines_containing(log, "user=<" + user + ">");
  auto auth = lines_containing(log, "(" + user + ",");
  lines.insert(lines.end(), auth.begin(), auth.end());
  return lines;
}

bool sends_credentials(const std::string& line) {
  for (const char* command : {"USER", "PASS", "APOP", "AUTH"}) {
    if (line.rfind(command, 0) == 0) return true;
  }
  return false;
}

bool sent_credentials(const PollOutcome& outcome) {
  for (const char* command : {"] > USER", "] > PASS", "] > APOP", "] > AUTH", "] > ***"}) {
    if (outcome.logged(command)) return true;
  }
  return false;
}

std::uint16_t port_for(const test_support::DovecotServer& server, Security security) {
  return config::implicit_tls(security) ? server.pop3s_port() : server.pop3_port();
}

void expect_complete_fetch(test_support::DovecotServer& server, const Mailbox& mailbox, const std::string& db,
                           const PollOutcome& outcome, AuthMethod auth, bool encrypted) {
  ASSERT_TRUE(outcome.report.ok()) << outcome.report.error->message << dump(outcome.log);
  EXPECT_EQ(outcome.report.listed, mailbox.delivered.size());
  EXPECT_EQ(outcome.report.new_messages, mailbox.delivered.size());
  EXPECT_TRUE(integration::archive_holds(db, mailbox.user, mailbox, integration::all_of(mailbox)));

  // The poll's login comes first; server_uidls() below logs in again (clear text).
  auto login = server.wait_for_log_line(
      test_support::DovecotServer::login_log_prefix() + "user=<" + mailbox.user + ">", 0, kLogDeadline);
  ASSERT_TRUE(login) << server.log_text();
  EXPECT_THAT(*login, HasSubstr(auth == AuthMethod::CramMd5 ? "method=CRAM-MD5" : "method=PLAIN"));
  if (encrypted) {
    EXPECT_THAT(*login, HasSubstr(", TLS, session=")) << "Dovecot did not see TLS";
  } else {
    EXPECT_THAT(*login, HasSubstr(", secured, session=")) << "expected a clear-text session";
    EXPECT_THAT(*login, Not(HasSubstr("TLS")));
  }
  EXPECT_EQ(outcome.logged("STARTTLS done") || outcome.logged(" with TLSv1."), encrypted)
      << dump(outcome.log);

  auto uidls = integration::server_uidls(server, mailbox);
  ASSERT_TRUE(uidls.ok()) << uidls.error().message;
  auto archived = integration::archived_messages(db, mailbox.user);
  ASSERT_TRUE(archived.ok()) << archived.error().message;
  std::vector<std::string> stored;
  for (const auto& [uidl, row] : *archived) stored.push_back(uidl);
  std::sort(uidls->begin(), uidls->end());
  EXPECT_EQ(stored, *uidls) << "the archive's UIDLs are not the ones Dovecot serves";
  EXPECT_EQ(*server.mailbox_size(mailbox.user), mailbox.delivered.size()) << "keep: true deleted something";

  for (const auto& line : outcome.log) EXPECT_THAT(line, Not(HasSubstr(mailbox.password)));
  EXPECT_THAT(server.log_text(), Not(HasSubstr(mailbox.password)));
}

void expect_nothing_happened(test_support::DovecotServer& server, const Mailbox& mailbox,
                             const std::string& db) {
  EXPECT_EQ(*server.mailbox_size(mailbox.user), mailbox.delivered.size());
  auto rows = integration::archived_messages(db, mailbox.user);
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  EXPECT_TRUE(rows->empty());
  EXPECT_TRUE(lines_containing(server.log_text(), test_support::DovecotServer::login_log_prefix() + "user=<" + mailbox.user + ">").empty())
      << server.log_text();
}

}  // namespace integration::security
