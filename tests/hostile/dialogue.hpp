#pragma once
// The ordinary parts of a POP3 conversation with the client under test
// (fetch::AccountPoll with USER/PASS and no pipelining), as FakePop3Script
// steps, so each hostile test scripts only what is hostile about it.
// Pure functions over scripts and strings; no I/O, no errors.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/fake_pop3_script.hpp"

namespace hostile {

// One message on the fake server. `list_size` is what LIST announces
// (default: the true size of `raw`).
struct Message {
  std::string uidl;
  std::string raw;  // CRLF line ends, the archive's form (not dot-stuffed)
  std::optional<std::uint64_t> list_size;

  std::uint64_t announced_size() const { return list_size.value_or(raw.size()); }
};

// A realistic message of about `size` bytes (test_support::make_message).
Message message(std::string uidl, std::uint64_t seed, std::size_t size = 2000);

// The capabilities our fake offers: USER and UIDL, nothing else (so the
// client uses USER/PASS and sends one command at a time).
inline constexpr std::string_view kPlainCapa = "+OK capabilities follow\r\nUSER\r\nUIDL\r\n.\r\n";

// Greeting, CAPA, then user_pass().
test_support::FakePop3Script& login(test_support::FakePop3Script& script);
// USER/PASS (the password expected as kPassword) and the CAPA after login:
// what follows the CAPA of the greeting, or of the TLS session after STLS.
test_support::FakePop3Script& user_pass(test_support::FakePop3Script& script);
// LIST and UIDL of `messages` (numbered from 1).
test_support::FakePop3Script& listing(test_support::FakePop3Script& script,
                                      const std::vector<Message>& messages);
// "RETR n" answered with the dot-stuffed message.
test_support::FakePop3Script& retrieve(test_support::FakePop3Script& script, std::uint32_t msgno,
                                       const Message& message);
// "DELE n" answered +OK.
test_support::FakePop3Script& remove(test_support::FakePop3Script& script, std::uint32_t msgno);
// "QUIT" answered +OK, then the server closes.
test_support::FakePop3Script& quit(test_support::FakePop3Script& script);

// "+OK" and the dot-stuffed body with its terminating ".": a RETR reply.
std::string retr_reply(std::string_view raw);
std::string dot_stuff(std::string_view raw);

}  // namespace hostile
