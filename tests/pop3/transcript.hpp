#pragma once
// A scripted POP3 server played against a Session, so tests read like the
// transcripts in the RFCs:
//
//   h.run({
//       "S: +OK ready",          // the server sends this line (CRLF added)
//       "C: CAPA",               // the client must have sent exactly this line next
//       "S: -ERR unknown",
//       "D: retrieve 1",         // the driver calls session.retrieve(1)
//       "E: Begin 1",            // the next unchecked event must be this (see format())
//   });
//
// Driver actions: "D: tls", "D: retrieve N", "D: top N L", "D: remove N", "D: quit", "D: eof".
// Server lines are delivered per FeedMode: each line in its own receive(),
// consecutive lines coalesced into one receive() (as one TCP segment would
// carry them), or coalesced and then fed byte by byte. After every call the
// harness drains all events and takes the output, like a real driver.

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fake_digests.hpp"
#include "pop3/session.hpp"

namespace pop3::testing {

// True when `needle` occurs in `haystack` (a command the session sent, an error text).
inline bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

enum class FeedMode { Lines, Coalesced, Bytes };

const char* to_string(FeedMode mode);
inline constexpr FeedMode kAllFeedModes[] = {FeedMode::Lines, FeedMode::Coalesced, FeedMode::Bytes};

// One line per event ("List 1 120", "Failed protocol: ..."); MessageData is
// not listed (bodies are collected in Harness::bodies) and CommandSent goes to
// Harness::sent.
std::string format(const Event& event);

// SessionOptions is move-only (its password is a Secret): a second owner of the same settings.
SessionOptions copy_of(const SessionOptions& options);
SessionOptions default_options();  // user "alice", password "Secret-Pw1", plain, pipelining off

class Harness;

SessionOptions pipelined_options(std::size_t window = 16);  // default_options() with pipelining Auto
// The plain login: greeting, CAPA (SASL PLAIN, UIDL), AUTH PLAIN and the CAPA
// after it, up to (not including) that CAPA's final "S: .", so a server that
// pipelines can add its "S: PIPELINING" first.
extern const std::vector<std::string_view> kLoginPrefix;
// kLoginPrefix, the "S: ." that ends it, then `rest`: a whole session for a
// test that needs it as one script (e.g. to cut it at every byte).
std::vector<std::string_view> after_login(std::initializer_list<std::string_view> rest);
// kLoginPrefix (with PIPELINING when `server_pipelines`) and the final "S: .";
// the session then sends LIST.
void authenticate(Harness& h, bool server_pipelines);
// Then LIST and UIDL: messages 1..n of 10 octets, UIDs "uid1".."uidn".
void list_messages(Harness& h, bool pipelined, int n);

class Harness {
 public:
  // Runs a session on its own copy of `options` (tests reuse theirs).
  explicit Harness(const SessionOptions& options = default_options(), FeedMode mode = FeedMode::Lines);

  // Plays the script; returns false (after recording a gtest failure) at the first mismatch.
  bool run(const std::vector<std::string_view>& script);

  // Plays the script but lets only the first `cut` server bytes through, then
  // calls receive_eof(). Client lines are checked only up to the cut.
  void run_with_eof_after(const std::vector<std::string_view>& script, std::size_t cut);

  // Total server bytes in a script (for cut loops).
  static std::size_t server_bytes(const std::vector<std::string_view>& script);

  // Direct access for tests that need raw bytes (NUL, bare LF, injections).
  void server_raw(std::string_view bytes);
  void eof();
  void drain();

  Session& session() { return session_; }
  const FakeDigests& digests() const { return digests_; }
  FakeDigests& digests() { return digests_; }

  std::vector<std::string> events;                  // formatted events, in order
  std::vector<std::string> sent;                    // CommandSent texts, in order
  std::string client_bytes;                         // everything the session wrote, for leak checks
  std::string unmatched_client;                     // written but not yet matched by a "C:" line
  std::map<std::uint32_t, std::string> bodies;      // MessageData, concatenated per message
  std::map<std::uint32_t, std::string> top_bodies;  // the same for replies to TOP
  std::map<std::uint32_t, int> chunks;              // MessageData events per message
  std::optional<SessionError> error;                // from a Failed event
  std::optional<Authenticated> authenticated;
  std::size_t max_in_flight = 0;           // most commands in flight after any output was taken
  std::size_t max_commands_per_write = 0;  // most command lines in one take_output()
  std::size_t checked_events = 0;          // events consumed by "E:" lines

  // The events not consumed by "E:" lines yet.
  std::vector<std::string> unchecked_events() const;

 private:
  bool step(std::string_view line, std::string& pending_server);
  void flush_server(std::string& pending_server);
  void feed(std::string_view bytes);
  void take_output();

  FakeDigests digests_;
  Session session_;
  FeedMode mode_;
  std::optional<std::size_t> cut_;  // server bytes still allowed through; nullopt: no limit
  bool stopped_ = false;            // the cut was reached
};

}  // namespace pop3::testing
