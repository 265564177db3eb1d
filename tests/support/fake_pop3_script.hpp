#pragma once
// FakePop3Script: what a FakePop3Server does on one connection, step by step,
// built fluently in the test:
//
//   FakePop3Script()
//       .send_line("+OK fake ready")
//       .expect("CAPA")
//       .send("+OK\r\nUIDL\r\n.\r\n")
//       .stall();
//
// TLS: start_tls(credential) runs the server side of a TLS handshake on the
// connection (a credential from test_pki.hpp); every step after it speaks
// TLS. As the first step it makes a POP3S server (TLS from the first byte);
// after `.expect("STLS").send_line("+OK")` it is STLS (RFC 2595).
//
// Owns only its step list (and shared references to credentials). Regexes are
// compiled here, in the test thread, so a bad pattern throws std::regex_error
// at once instead of inside the server.

#include <chrono>
#include <cstdint>
#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "support/test_pki.hpp"

namespace test_support {

class FakePop3Script {
 public:
  enum class StepKind {
    Send,            // write `bytes`
    SendRepeated,    // write `total` bytes of `bytes` repeated, generated lazily (no N MB buffer)
    ExpectExact,     // read one client line (CRLF or LF stripped); it must equal `bytes`
    ExpectPrefix,    // ... must start with `bytes`
    ExpectRegex,     // ... must match `regex` as a whole (ECMAScript)
    ReadLine,        // read one client line, any content
    Stall,           // send nothing until the client disconnects or the server stops
    Trickle,         // write `bytes` one byte at a time, `total` ms apart (a server that never falls silent)
    Close,           // close the connection (FIN; close_notify first under TLS)
    Reset,           // abort the connection (RST, SO_LINGER 0)
    StartTls,        // run the server side of a TLS handshake with `credential`
    ExpectOptional,  // read one client line; if it equals `bytes`, write `reply`, else keep the
                     // line for the next step
    SendIfSeen,      // write `reply` if the client sent a line equal to `bytes` on this
                     // connection so far, else `otherwise`
  };

  struct Step {
    StepKind kind;
    std::string bytes;
    std::uint64_t total = 0;
    std::shared_ptr<const std::regex> regex;
    std::shared_ptr<const Credential> credential;
    std::string reply;      // ExpectOptional, SendIfSeen
    std::string otherwise;  // SendIfSeen
  };

  FakePop3Script& send(std::string bytes);
  FakePop3Script& send_line(std::string_view line);  // appends CRLF
  FakePop3Script& send_repeated(std::string chunk, std::uint64_t total_bytes);
  // A line of `length` bytes of 'x' and no line end at all (over-long line tests).
  FakePop3Script& send_unterminated_line(std::uint64_t length);
  FakePop3Script& expect(std::string exact_line);
  FakePop3Script& expect_prefix(std::string prefix);
  FakePop3Script& expect_regex(const std::string& pattern);
  FakePop3Script& read_line();
  // Servers that answer differently depending on what the client said before
  // (e.g. Courier, which replaces a message with UTF-8 in its header by a
  // notice unless the client sent UTF8): an optional command, and a reply
  // that depends on whether it came.
  FakePop3Script& expect_optional(std::string exact_line, std::string reply);
  FakePop3Script& send_if_seen(std::string line, std::string if_seen, std::string otherwise);
  FakePop3Script& stall();
  // Sends `bytes` one byte every `interval`, until done or the client hangs up.
  FakePop3Script& trickle(std::string bytes, std::chrono::milliseconds interval);
  FakePop3Script& close();
  FakePop3Script& reset();
  FakePop3Script& start_tls(const Credential& credential);

  const std::vector<Step>& steps() const { return steps_; }

 private:
  std::vector<Step> steps_;
};

std::string_view to_string(FakePop3Script::StepKind kind);

}  // namespace test_support
