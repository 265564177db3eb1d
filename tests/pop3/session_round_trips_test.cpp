// Round trips of a whole fetch session, counted. On a link with latency the
// time of a poll is its round trips times the round-trip time, so the
// session must not spend one per command: issue 7 asks for about
//   greeting/CAPA/auth + one listing + ceil(N / window) + QUIT
// (plus connect and TLS, which are the driver's). The server here plays in
// lock step, like a long link seen from the client: in each round it answers
// everything the client has written, and the client then reacts to all of
// it (retrieving more, quitting) before the next round. The driver mirrors
// fetch::AccountPoll in keep mode: a sliding window of RETRs, QUIT queued
// with the last of them.
#include <gtest/gtest.h>

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fake_digests.hpp"
#include "pop3/session.hpp"

namespace pop3 {
namespace {

struct ServerCapabilities {
  bool pipelining = true;
  bool sasl_plain = true;
};

// A POP3 server with `messages` small messages that answers every complete
// command line it is given. Just enough of RFC 1939/2449/5034 for a fetch.
class LockstepServer {
 public:
  LockstepServer(std::uint32_t messages, ServerCapabilities caps) : messages_(messages), caps_(caps) {}

  std::string greeting() const { return "+OK ready\r\n"; }

  // Answers the complete lines of `input`; returns how many commands it saw.
  std::size_t answer(std::string_view input, std::string& replies) {
    std::size_t commands = 0;
    partial_ += input;
    std::size_t eol;
    while ((eol = partial_.find("\r\n")) != std::string::npos) {
      const std::string line = partial_.substr(0, eol);
      partial_.erase(0, eol + 2);
      ++commands;
      replies += reply_to(line);
    }
    return commands;
  }

  std::vector<std::string> commands;  // every command line, in order

 private:
  std::string capa() const {
    std::string out = "+OK\r\nUSER\r\nUIDL\r\n";
    if (caps_.pipelining) out += "PIPELINING\r\n";
    if (caps_.sasl_plain) out += "SASL PLAIN\r\n";
    return out + ".\r\n";
  }

  static std::string body(std::uint32_t n) { return "Subject: " + std::to_string(n) + "\r\n\r\nbody\r\n"; }

  std::string reply_to(const std::string& line) {
    commands.push_back(line);
    const std::string verb = line.substr(0, line.find(' '));
    std::uint32_t arg = 0;  // the message number of RETR and DELE
    if (line.size() > verb.size())
      std::from_chars(line.data() + verb.size() + 1, line.data() + line.size(), arg);
    if (verb == "CAPA") return capa();
    if (verb == "USER" || verb == "PASS" || verb == "AUTH") return "+OK\r\n";
    if (verb == "LIST" || verb == "UIDL") {
      std::string out = "+OK\r\n";
      for (std::uint32_t n = 1; n <= messages_; ++n) {
        out += std::to_string(n) + " " +
               (verb == "LIST" ? std::to_string(body(n).size()) : "uid-" + std::to_string(n)) + "\r\n";
      }
      return out + ".\r\n";
    }
    if (verb == "RETR" && arg >= 1 && arg <= messages_) return "+OK\r\n" + body(arg) + ".\r\n";
    if (verb == "DELE" && arg >= 1 && arg <= messages_) return "+OK\r\n";
    if (verb == "QUIT") return "+OK bye\r\n";
    return "-ERR what\r\n";
  }

  std::uint32_t messages_;
  ServerCapabilities caps_;
  std::string partial_;
};

struct Outcome {
  int round_trips = 0;  // rounds in which the client had sent something
  std::uint32_t fetched = 0;
  bool closed = false;
  std::vector<std::string> commands;
};

// Runs a keep-mode fetch of every message to the end (or 10,000 rounds).
Outcome fetch_all(std::uint32_t messages, std::size_t window, PipeliningMode mode, ServerCapabilities caps) {
  testing::FakeDigests digests;
  SessionOptions options;
  options.username = "alice";
  options.password = common::Secret("Secret-Pw1");
  options.pipelining = mode;
  options.window = 2 * window;  // as AccountPoll: room for QUIT beside the RETRs
  Session session(std::move(options), digests);
  LockstepServer server(messages, caps);
  Outcome outcome;

  // The driver: AccountPoll's feed (a sliding window of RETRs) and its QUIT
  // with the last RETR in keep mode.
  std::uint32_t listed = 0, next = 1, in_flight = 0;
  bool listing_done = false, quit_sent = false;
  auto feed = [&] {
    while (listing_done && next <= listed && in_flight < window) {
      session.retrieve(next++);
      ++in_flight;
    }
    if (listing_done && next > listed && !quit_sent) {
      session.quit();
      quit_sent = true;
    }
  };
  auto drain = [&] {
    while (std::optional<Event> event = session.next_event()) {
      if (std::holds_alternative<ListEntry>(*event)) ++listed;
      if (std::holds_alternative<ListingDone>(*event)) listing_done = true;
      if (std::holds_alternative<MessageEnd>(*event)) {
        ++outcome.fetched;
        --in_flight;
      }
      if (std::holds_alternative<Closed>(*event)) outcome.closed = true;
      if (const auto* failed = std::get_if<Failed>(&*event)) ADD_FAILURE() << failed->error.message;
      feed();
    }
  };

  session.receive(server.greeting());
  drain();
  for (int round = 0; round < 10'000 && !session.finished(); ++round) {
    const std::string sent = session.take_output();
    if (sent.empty()) break;  // the client waits for nothing: a stuck session
    std::string replies;
    server.answer(sent, replies);
    ++outcome.round_trips;
    session.receive(replies);
    drain();
  }
  outcome.commands = server.commands;
  return outcome;
}

int ceil_div(std::uint32_t n, std::size_t d) { return static_cast<int>((n + d - 1) / d); }

TEST(SessionRoundTrips, PipelinedPollNeedsAuthListingAndOnePerWindow) {
  for (const std::uint32_t n : {0u, 1u, 16u, 17u, 100u, 1000u}) {
    for (const std::size_t window : {std::size_t{1}, std::size_t{16}, std::size_t{1024}}) {
      SCOPED_TRACE("messages " + std::to_string(n) + ", window " + std::to_string(window));
      const Outcome o = fetch_all(n, window, PipeliningMode::Auto, {});
      EXPECT_TRUE(o.closed);
      EXPECT_EQ(o.fetched, n);
      // CAPA, AUTH PLAIN, then CAPA+LIST+UIDL in one flight; the RETRs one
      // window per round, QUIT riding with the last of them (alone when
      // there is nothing to fetch).
      EXPECT_EQ(o.round_trips, 3 + (n == 0 ? 1 : ceil_div(n, window)));
    }
  }
}

TEST(SessionRoundTrips, UserAndPassShareARoundTripWhenPipelining) {
  const Outcome o = fetch_all(10, 16, PipeliningMode::Auto, {.pipelining = true, .sasl_plain = false});
  EXPECT_EQ(o.fetched, 10u);
  // CAPA, USER+PASS, CAPA+LIST+UIDL, RETRs+QUIT.
  EXPECT_EQ(o.round_trips, 4);
  ASSERT_GE(o.commands.size(), 3u);
  EXPECT_EQ(o.commands[1], "USER alice");
  EXPECT_EQ(o.commands[2], "PASS Secret-Pw1");
}

TEST(SessionRoundTrips, WithoutPipeliningEveryCommandIsARoundTrip) {
  // The server does not offer PIPELINING: one command per round, which is
  // what a broken server gets after the fallback to `pipelining: off`.
  const std::uint32_t n = 20;
  const Outcome o = fetch_all(n, 16, PipeliningMode::Auto, {.pipelining = false, .sasl_plain = true});
  EXPECT_EQ(o.fetched, n);
  // CAPA, AUTH, CAPA, LIST, UIDL, N x RETR, QUIT.
  EXPECT_EQ(o.round_trips, 5 + static_cast<int>(n) + 1);
  const Outcome off = fetch_all(n, 16, PipeliningMode::Off, {});
  EXPECT_EQ(off.round_trips, 5 + static_cast<int>(n) + 1);
}

TEST(SessionRoundTrips, ListingIsOneRoundEvenWhenPipeliningIsLearntOnlyAfterLogin) {
  // PIPELINING only in the CAPA after authentication: that CAPA costs its own
  // round, then LIST and UIDL still go out together.
  testing::FakeDigests digests;
  SessionOptions options;
  options.username = "alice";
  options.password = common::Secret("Secret-Pw1");
  options.pipelining = PipeliningMode::Auto;
  Session session(std::move(options), digests);
  session.receive("+OK ready\r\n");
  EXPECT_EQ(session.take_output(), "CAPA\r\n");
  session.receive("+OK\r\nSASL PLAIN\r\n.\r\n");
  EXPECT_EQ(session.take_output(), "AUTH PLAIN AGFsaWNlAFNlY3JldC1QdzE=\r\n");
  session.receive("+OK\r\n");
  EXPECT_EQ(session.take_output(), "CAPA\r\n");
  session.receive("+OK\r\nPIPELINING\r\n.\r\n");
  EXPECT_EQ(session.take_output(), "LIST\r\nUIDL\r\n");
}

}  // namespace
}  // namespace pop3
