#include "integration/mailbox.hpp"

#include <charconv>
#include <sstream>

#include "integration/archive_probe.hpp"
#include "support/line_client.hpp"
#include "support/sample_message.hpp"

namespace integration {
namespace {

using common::ErrorKind;
using common::make_error;

bool starts_ok(const common::Result<std::string>& reply) { return reply.ok() && reply->rfind("+OK", 0) == 0; }

common::Error session_error(const std::string& step, const common::Result<std::string>& reply) {
  return make_error(ErrorKind::Protocol, step + ": " + (reply ? *reply : reply.error().message));
}

}  // namespace

common::Result<Mailbox> create_mailbox(test_support::DovecotServer& server, const std::string& user,
                                       const std::string& password,
                                       const std::vector<std::string>& messages) {
  if (auto added = server.add_user(user, password); !added) return added.error();
  Mailbox mailbox{user, password, {}};
  if (auto delivered = deliver_more(server, mailbox, messages); !delivered) return delivered.error();
  return mailbox;
}

common::Status deliver_more(test_support::DovecotServer& server, Mailbox& mailbox,
                            const std::vector<std::string>& messages) {
  for (const auto& raw : messages) {
    auto delivered = server.deliver(mailbox.user, raw);
    if (!delivered) return delivered.error();
    mailbox.delivered.push_back(std::move(*delivered));
  }
  return {};
}

std::vector<std::string> varied_messages(std::uint64_t seed) {
  using test_support::make_message;
  std::string nul = "Subject: nul " + std::to_string(seed) + "\r\n\r\nbefore";
  nul.push_back('\0');
  nul += "after\r\n";
  return {
      make_message(seed * 100 + 1, 700),
      make_message(seed * 100 + 2, 2500, {.eight_bit = false, .dot_lines = true, .crlf = true}),
      make_message(seed * 100 + 3, 4000, {.eight_bit = true, .dot_lines = true, .crlf = true}),
      make_message(seed * 100 + 4, 1500, {.eight_bit = false, .dot_lines = false, .crlf = false}),  // LF ends
      "Subject: no final line end " + std::to_string(seed) + "\r\n\r\n.starts with a dot\r\nlast line",
      nul,
      make_message(seed * 100 + 5, 300'000, {.eight_bit = true, .dot_lines = true, .crlf = true}),
  };
}

std::vector<std::string> plain_messages(std::uint64_t first_seed, std::size_t count, std::size_t size) {
  std::vector<std::string> messages;
  messages.reserve(count);
  for (std::size_t i = 0; i < count; ++i)
    messages.push_back(test_support::make_message(first_seed + i, size));
  return messages;
}

common::Result<std::vector<std::string>> server_uidls(const test_support::DovecotServer& server,
                                                      const Mailbox& mailbox) {
  auto client = test_support::LineClient::connect(server.host(), server.pop3_port());
  if (!client) return client.error();
  if (auto greeting = client->read_line(); !starts_ok(greeting)) return session_error("greeting", greeting);
  if (auto reply = client->command("USER " + mailbox.user); !starts_ok(reply))
    return session_error("USER", reply);
  if (auto reply = client->command("PASS " + mailbox.password); !starts_ok(reply)) {
    return session_error("PASS", reply);
  }
  auto reply = client->command("UIDL");
  if (!starts_ok(reply)) return session_error("UIDL", reply);
  auto body = client->read_multiline();
  if (!body) return body.error();
  (void)client->command("QUIT");
  std::vector<std::string> uidls;
  std::istringstream lines(*body);
  std::string number;
  std::string uidl;
  while (lines >> number >> uidl) uidls.push_back(uidl);
  return uidls;
}

std::optional<std::size_t> delivery_index(std::string_view uidl) {
  std::uint32_t uid = 0;
  if (uidl.size() < 8) return std::nullopt;
  auto [end, error] = std::from_chars(uidl.data(), uidl.data() + 8, uid, 16);
  if (error != std::errc() || end != uidl.data() + 8 || uid == 0) return std::nullopt;
  return uid - 1;
}

std::set<std::size_t> all_of(const Mailbox& mailbox) {
  std::set<std::size_t> all;
  for (std::size_t i = 0; i < mailbox.delivered.size(); ++i) all.insert(i);
  return all;
}

std::set<std::size_t> indexes_of(const std::vector<std::string>& uidls) {
  std::set<std::size_t> indexes;
  for (const auto& uidl : uidls) {
    if (auto index = delivery_index(uidl)) indexes.insert(*index);
  }
  return indexes;
}

::testing::AssertionResult archive_holds(const std::string& database, const std::string& account,
                                         const Mailbox& mailbox, const std::set<std::size_t>& indexes) {
  auto rows = archived_messages(database, account);
  if (!rows) return ::testing::AssertionFailure() << rows.error().message;
  std::set<std::size_t> found;
  for (const auto& [uidl, row] : *rows) {
    auto index = delivery_index(uidl);
    if (!index || *index >= mailbox.delivered.size()) {
      return ::testing::AssertionFailure()
             << "the archive holds UIDL " << uidl << ", which names no delivered message";
    }
    const std::string& expected = mailbox.delivered[*index].expected_pop3;
    if (row.raw != expected) {
      return ::testing::AssertionFailure()
             << "message " << *index + 1 << " (UIDL " << uidl << ") differs: " << row.raw.size()
             << " bytes archived, " << expected.size() << " expected";
    }
    if (row.size != static_cast<std::int64_t>(row.raw.size())) {
      return ::testing::AssertionFailure()
             << "UIDL " << uidl << ": size " << row.size << " != length(raw) " << row.raw.size();
    }
    found.insert(*index);
  }
  if (found != indexes) {
    std::ostringstream text;
    text << "archived message numbers {";
    for (auto i : found) text << ' ' << i + 1;
    text << " }, expected {";
    for (auto i : indexes) text << ' ' << i + 1;
    text << " }";
    return ::testing::AssertionFailure() << text.str();
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult rows_are_distinct_and_number(const std::string& database, std::int64_t expected) {
  auto counts = row_counts(database);
  if (!counts) return ::testing::AssertionFailure() << counts.error().message;
  if (counts->rows != expected || counts->distinct != expected) {
    return ::testing::AssertionFailure()
           << "count(*) = " << counts->rows << ", count(distinct account||uidl) = " << counts->distinct
           << ", expected " << expected;
  }
  return ::testing::AssertionSuccess();
}

}  // namespace integration
