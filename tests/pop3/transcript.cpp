#include "transcript.hpp"

#include <gtest/gtest.h>

#include <charconv>

namespace pop3::testing {
namespace {

std::uint32_t parse_number(std::string_view text) {
  std::uint32_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace

const char* to_string(FeedMode mode) {
  switch (mode) {
    case FeedMode::Lines:
      return "lines";
    case FeedMode::Coalesced:
      return "coalesced";
    case FeedMode::Bytes:
      return "bytes";
  }
  return "?";
}

std::string format(const Event& event) {
  return std::visit(
      Overloaded{
          [](const StartTls&) { return std::string("StartTls"); },
          [](const Notice& e) { return "Notice: " + e.text; },
          [](const CommandSent& e) { return "Sent: " + e.text; },
          [](const Authenticated& e) {
            return "Authenticated pipelining=" + std::to_string(e.pipelining) +
                   " caps=" + e.capabilities.summary();
          },
          [](const ListEntry& e) { return "List " + std::to_string(e.msgno) + " " + std::to_string(e.size); },
          [](const UidlEntry& e) { return "Uidl " + std::to_string(e.msgno) + " " + e.uidl; },
          [](const ListingDone& e) { return "ListingDone uidl=" + std::to_string(e.have_uidl); },
          [](const MessageBegin& e) { return "Begin " + std::to_string(e.msgno) + (e.top ? " top" : ""); },
          [](const MessageData& e) { return "Data " + std::to_string(e.msgno) + (e.top ? " top" : ""); },
          [](const MessageEnd& e) { return "End " + std::to_string(e.msgno) + (e.top ? " top" : ""); },
          [](const MessageFailed& e) {
            return "MessageFailed " + std::to_string(e.msgno) + (e.top ? " top" : "") + ": " + e.reason;
          },
          [](const Deleted& e) { return "Deleted " + std::to_string(e.msgno); },
          [](const DeleteFailed& e) {
            return "DeleteFailed " + std::to_string(e.msgno) + ": " + e.error.text;
          },
          [](const Closed&) { return std::string("Closed"); },
          [](const Failed& e) {
            return "Failed " + std::string(to_string(e.error.kind)) + ": " + e.error.message;
          },
      },
      event);
}

// Lists every member: -Wmissing-field-initializers catches a new one forgotten here.
SessionOptions copy_of(const SessionOptions& options) {
  return SessionOptions{options.username,       options.password.duplicate(), options.auth,
                        options.tls,            options.tls_from_start,       options.pipelining,
                        options.want_uidl,      options.window,               options.host,
                        options.port};
}

SessionOptions default_options() {
  SessionOptions options;
  options.username = "alice";
  options.password = common::Secret("Secret-Pw1");
  options.auth = AuthMethod::Plain;
  options.tls = TlsPolicy::AlreadySecure;
  options.pipelining = PipeliningMode::Off;
  options.want_uidl = true;
  options.window = 16;
  return options;
}

Harness::Harness(const SessionOptions& options, FeedMode mode)
    : session_(copy_of(options), digests_), mode_(mode) {}

std::vector<std::string> Harness::unchecked_events() const {
  return {events.begin() + static_cast<std::ptrdiff_t>(checked_events), events.end()};
}

void Harness::drain() {
  while (std::optional<Event> event = session_.next_event()) {
    if (const auto* sent_event = std::get_if<CommandSent>(&*event)) {
      sent.push_back(sent_event->text);
      continue;
    }
    if (const auto* data = std::get_if<MessageData>(&*event)) {
      (data->top ? top_bodies : bodies)[data->msgno].append(data->chunk);
      ++chunks[data->msgno];
      continue;
    }
    if (const auto* failed = std::get_if<Failed>(&*event)) error = failed->error;
    if (const auto* auth = std::get_if<Authenticated>(&*event)) authenticated = *auth;
    events.push_back(format(*event));
  }
  take_output();
}

void Harness::take_output() {
  const std::string out = session_.take_output();
  std::size_t lines = 0;
  for (char c : out) lines += c == '\n';
  max_commands_per_write = std::max(max_commands_per_write, lines);
  max_in_flight = std::max(max_in_flight, session_.in_flight());
  client_bytes += out;
  unmatched_client += out;
}

void Harness::feed(std::string_view bytes) {
  if (stopped_) return;
  if (cut_) {
    if (bytes.size() >= *cut_) {
      bytes = bytes.substr(0, *cut_);
      stopped_ = true;
    }
    *cut_ -= bytes.size();
  }
  if (mode_ == FeedMode::Bytes) {
    for (char c : bytes) {
      session_.receive(std::string_view(&c, 1));
      drain();
    }
  } else if (!bytes.empty()) {
    session_.receive(bytes);
    drain();
  }
  if (stopped_) eof();
}

void Harness::server_raw(std::string_view bytes) { feed(bytes); }

void Harness::eof() {
  session_.receive_eof();
  drain();
}

void Harness::flush_server(std::string& pending_server) {
  if (pending_server.empty()) return;
  std::string bytes = std::move(pending_server);
  pending_server.clear();
  feed(bytes);
}

bool Harness::step(std::string_view line, std::string& pending_server) {
  const std::string_view prefix = line.substr(0, 3);
  const std::string_view text = line.size() > 3 ? line.substr(3) : std::string_view();
  if (prefix == "S: " || line == "S:") {
    std::string bytes = std::string(text) + "\r\n";
    if (mode_ == FeedMode::Lines) return feed(bytes), true;
    pending_server += bytes;
    return true;
  }
  flush_server(pending_server);
  if (stopped_) return true;
  if (prefix == "C: ") {
    const std::string expected = std::string(text) + "\r\n";
    if (unmatched_client.compare(0, expected.size(), expected) != 0) {
      ADD_FAILURE() << "client should send '" << text << "' but the unmatched output is '" << unmatched_client
                    << "'; events so far:\n  " << ::testing::PrintToString(events);
      return false;
    }
    unmatched_client.erase(0, expected.size());
    return true;
  }
  if (prefix == "E: ") {
    if (checked_events >= events.size() || events[checked_events] != text) {
      ADD_FAILURE() << "expected event '" << text << "' but the unchecked events are "
                    << ::testing::PrintToString(unchecked_events());
      return false;
    }
    ++checked_events;
    return true;
  }
  if (prefix == "D: ") {
    if (text == "tls") {
      session_.tls_established();
    } else if (text == "quit") {
      session_.quit();
    } else if (text == "eof") {
      session_.receive_eof();
    } else if (text.starts_with("retrieve ")) {
      session_.retrieve(parse_number(text.substr(9)));
    } else if (text.starts_with("top ")) {
      const std::string_view args = text.substr(4);
      const std::size_t space = args.find(' ');
      session_.top(parse_number(args.substr(0, space)), parse_number(args.substr(space + 1)));
    } else if (text.starts_with("remove ")) {
      session_.remove(parse_number(text.substr(7)));
    } else {
      ADD_FAILURE() << "unknown driver action '" << text << "'";
      return false;
    }
    drain();
    return true;
  }
  ADD_FAILURE() << "bad script line '" << line << "'";
  return false;
}

bool Harness::run(const std::vector<std::string_view>& script) {
  std::string pending_server;
  drain();  // nothing yet, but keeps the harness's view of in-flight honest
  for (std::string_view line : script) {
    if (!step(line, pending_server)) return false;
  }
  flush_server(pending_server);
  return true;
}

void Harness::run_with_eof_after(const std::vector<std::string_view>& script, std::size_t cut) {
  cut_ = cut;
  std::string pending_server;
  for (std::string_view line : script) {
    if (stopped_) break;
    if (!step(line, pending_server)) return;
  }
  flush_server(pending_server);
  if (!stopped_) eof();  // the cut is the whole transcript: the server closes after its last byte
}

std::size_t Harness::server_bytes(const std::vector<std::string_view>& script) {
  std::size_t total = 0;
  for (std::string_view line : script) {
    if (line.starts_with("S: ")) total += line.size() - 3 + 2;
    if (line == "S:") total += 2;
  }
  return total;
}

SessionOptions pipelined_options(std::size_t window) {
  SessionOptions options = default_options();
  options.pipelining = PipeliningMode::Auto;
  options.window = window;
  return options;
}

const std::vector<std::string_view> kLoginPrefix = {
    "S: +OK ready",
    "C: CAPA",
    "S: +OK",
    "S: SASL PLAIN",
    "S: UIDL",
    "S: .",
    "C: AUTH PLAIN AGFsaWNlAFNlY3JldC1QdzE=",
    "S: +OK",
    "C: CAPA",
    "S: +OK",
    "S: UIDL",
};

std::vector<std::string_view> after_login(std::initializer_list<std::string_view> rest) {
  std::vector<std::string_view> script = kLoginPrefix;
  script.push_back("S: .");
  script.insert(script.end(), rest.begin(), rest.end());
  return script;
}

void authenticate(Harness& h, bool server_pipelines) {
  ASSERT_TRUE(h.run(kLoginPrefix));
  if (server_pipelines) {
    ASSERT_TRUE(h.run({"S: PIPELINING"}));
  }
  ASSERT_TRUE(h.run({"S: ."}));
}

// Authenticated and listed: messages 1..n of 10 octets, UIDs "uid1".."uidn".
void list_messages(Harness& h, bool pipelined, int n) {
  std::vector<std::string> lines;
  lines.push_back("+OK");
  for (int i = 1; i <= n; ++i) lines.push_back(std::to_string(i) + " 10");
  lines.push_back(".");
  std::string list, uidl = "+OK\r\n";
  for (const std::string& line : lines) list += line + "\r\n";
  for (int i = 1; i <= n; ++i) uidl += std::to_string(i) + " uid" + std::to_string(i) + "\r\n";
  uidl += ".\r\n";
  if (pipelined) {
    ASSERT_TRUE(h.run({"C: LIST", "C: UIDL"}));
    h.server_raw(list + uidl);
  } else {
    ASSERT_TRUE(h.run({"C: LIST"}));
    h.server_raw(list);
    ASSERT_TRUE(h.run({"C: UIDL"}));
    h.server_raw(uidl);
  }
  ASSERT_FALSE(h.events.empty());
  ASSERT_EQ(h.events.back(), "ListingDone uidl=1");
  h.checked_events = h.events.size();
}

}  // namespace pop3::testing
