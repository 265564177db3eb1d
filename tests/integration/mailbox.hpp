#pragma once
// Test-side view of one Dovecot user: the messages delivered to it (in
// delivery order, which is Dovecot's UID order), what the server lists now
// (through the fixture's LineClient, not popfetchd's client), and the check
// that an archive holds exactly the expected ones of them, byte-exact.
//
// Owns: copies of the delivered messages' expected bytes. Talks to the server
// only in server_uidls() (one short session of its own: it shows up in
// Dovecot's log as a clear-text login).
// Errors: Io/Protocol from the fixture and the LineClient; Storage from the archive probe.

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "support/dovecot_server.hpp"

namespace integration {

struct Mailbox {
  std::string user;
  std::string password;
  std::vector<test_support::DeliveredMessage> delivered;  // [i] has UID i + 1
};

// Adds the user and delivers `messages` to it.
common::Result<Mailbox> create_mailbox(test_support::DovecotServer& server, const std::string& user,
                                       const std::string& password, const std::vector<std::string>& messages);
common::Status deliver_more(test_support::DovecotServer& server, Mailbox& mailbox,
                            const std::vector<std::string>& messages);

// A mix that exercises byte-exactness: dot-stuffed lines, 8-bit, NUL, LF-only
// line ends, no final line end, and one message of ~300 KB (many TLS records
// and reads). `seed` makes the set differ between users.
std::vector<std::string> varied_messages(std::uint64_t seed);
// `count` small ordinary messages (make_message) from `first_seed` on.
std::vector<std::string> plain_messages(std::uint64_t first_seed, std::size_t count, std::size_t size = 1200);

// The UIDLs the server lists for the user right now, in message-number order.
common::Result<std::vector<std::string>> server_uidls(const test_support::DovecotServer& server,
                                                      const Mailbox& mailbox);

// The index into Mailbox::delivered that a Dovecot UIDL ("%08Xu%08Xv") names.
std::optional<std::size_t> delivery_index(std::string_view uidl);

// The archive's rows of `account` are exactly the delivered messages with
// the given indexes, each byte-exact (raw == expected_pop3, size == length).
::testing::AssertionResult archive_holds(const std::string& database, const std::string& account,
                                         const Mailbox& mailbox, const std::set<std::size_t>& indexes);
// All indexes 0..n-1.
std::set<std::size_t> all_of(const Mailbox& mailbox);

// `select count(*), count(distinct account||uidl) from messages` equals
// `expected` for both numbers (nothing stored twice).
::testing::AssertionResult rows_are_distinct_and_number(const std::string& database, std::int64_t expected);

// The UIDLs `uidls` name, as delivery indexes.
std::set<std::size_t> indexes_of(const std::vector<std::string>& uidls);

}  // namespace integration
