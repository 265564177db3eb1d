// Memory stays bounded by the limits, not by the mailbox: a listing of
// 300,000 messages streams through the Session event by event.
#include <gtest/gtest.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <string>

#include "pop3/limits.hpp"
#include "transcript.hpp"

namespace pop3::testing {
namespace {

// The server's side of LIST (kListed entries) and UIDL (kMessages entries),
// produced a packet at a time so the test holds no more than the engine may.
class ListingServer {
 public:
  ListingServer(std::uint32_t listed, std::uint32_t uidls) : listed_(listed), uidls_(uidls) {}

  bool done() const { return phase_ == Phase::Done; }

  std::string next_packet(std::size_t size) {
    std::string packet;
    packet.reserve(size + 128);
    while (packet.size() < size && phase_ != Phase::Done) append_line(packet);
    return packet;
  }

 private:
  enum class Phase { ListStatus, List, UidlStatus, Uidl, Done };

  static void append_number(std::string& out, std::uint32_t value) {
    char digits[16];
    const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
    out.append(digits, end);
  }

  void append_line(std::string& out) {
    switch (phase_) {
      case Phase::ListStatus:
        phase_ = Phase::List;
        out += "+OK\r\n";
        return;
      case Phase::List:
        if (i_ == listed_) {
          phase_ = Phase::UidlStatus;
          i_ = 0;
          out += ".\r\n";
          return;
        }
        ++i_;
        append_number(out, i_);
        out += ' ';
        append_number(out, 1000 + i_);
        out += "\r\n";
        return;
      case Phase::UidlStatus:
        phase_ = Phase::Uidl;
        out += "+OK\r\n";
        return;
      case Phase::Uidl:
        if (i_ == uidls_) {
          phase_ = Phase::Done;
          out += ".\r\n";
          return;
        }
        ++i_;
        append_number(out, i_);
        out += " UID";
        append_number(out, i_);
        out += "-abcdefghijklmnopqrstuvwxyz0123456789\r\n";
        return;
      case Phase::Done:
        return;
    }
  }

  std::uint32_t listed_, uidls_;
  std::uint32_t i_ = 0;
  Phase phase_ = Phase::ListStatus;
};

TEST(SessionLimits, ThreeHundredThousandUidlEntriesAreStreamed) {
  // LIST and UIDL lines take the same streaming path; the big one is UIDL.
  constexpr std::uint32_t kListed = 1000;
  constexpr std::uint32_t kMessages = 300'000;
  SessionOptions options = default_options();
  options.pipelining = PipeliningMode::On;
  Harness h(options, FeedMode::Coalesced);
  ASSERT_TRUE(h.run({"S: +OK", "C: CAPA", "S: -ERR", "C: USER alice", "C: PASS Secret-Pw1", "S: +OK",
                     "S: +OK", "C: LIST", "C: UIDL"}));

  // From here the test is the driver: it feeds 16 KiB packets and counts
  // events instead of keeping them.
  Session& session = h.session();
  ListingServer server(kListed, kMessages);
  constexpr std::size_t kPacket = 16 * 1024;
  std::uint64_t list_entries = 0, uidl_entries = 0;
  std::uint32_t last_msgno = 0;
  bool done = false;
  std::size_t most_pending = 0;
  std::size_t complete_lines = 0;
  while (!server.done()) {
    const std::string packet = server.next_packet(kPacket);
    session.receive(packet);
    most_pending = std::max(most_pending, session.pending_events());
    EXPECT_LE(session.buffered_bytes(), kMaxReplyLineLength + 1);
    while (std::optional<Event> event = session.next_event()) {
      if (const auto* list = std::get_if<ListEntry>(&*event)) {
        ++list_entries;
        ASSERT_EQ(list->size, 1000u + list->msgno);
      } else if (const auto* uidl = std::get_if<UidlEntry>(&*event)) {
        ++uidl_entries;
        ASSERT_EQ(uidl->msgno, last_msgno + 1);
        last_msgno = uidl->msgno;
      } else if (std::holds_alternative<ListingDone>(*event)) {
        done = true;
      } else if (std::holds_alternative<Failed>(*event)) {
        FAIL() << testing::format(*event);
      }
    }
    // Every complete line fed so far has produced its event by now, not
    // later: entries are delivered incrementally. (Two status lines and two
    // "." lines are not entries.)
    for (const char* p = packet.data();
         (p = static_cast<const char*>(std::memchr(p, '\n', packet.data() + packet.size() - p))); ++p) {
      ++complete_lines;
    }
    EXPECT_GE(list_entries + uidl_entries + 4, complete_lines);
  }
  EXPECT_TRUE(done);
  EXPECT_EQ(list_entries, kListed);
  EXPECT_EQ(uidl_entries, kMessages);
  // A 16 KiB packet holds at most a few hundred such lines: the event queue
  // is bounded by the packet, never by the mailbox.
  EXPECT_LT(most_pending, kPacket / 4);
  EXPECT_EQ(session.pending_events(), 0u);
  EXPECT_EQ(session.buffered_bytes(), 0u);
}

TEST(SessionLimits, CapaRepliesAreBoundedInLines) {
  // A CAPA list that never ends must not hold the session forever (found by
  // tests/hostile: the server never falls silent, so no timeout would fire).
  for (const std::size_t lines : {kMaxCapaLines, kMaxCapaLines + 1}) {
    SCOPED_TRACE(lines);
    Harness h(default_options(), FeedMode::Coalesced);
    ASSERT_TRUE(h.run({"S: +OK", "C: CAPA"}));
    std::string reply = "+OK\r\n";
    for (std::size_t i = 1; i < lines; ++i) reply += "X-UNKNOWN-" + std::to_string(i) + "\r\n";
    h.server_raw(reply + "USER\r\n.\r\n");
    if (lines <= kMaxCapaLines) {
      EXPECT_FALSE(h.error.has_value()) << h.error->message;
      EXPECT_NE(h.client_bytes.find("USER alice\r\n"), std::string::npos);
    } else {
      ASSERT_TRUE(h.error.has_value());
      EXPECT_EQ(h.error->kind, SessionErrorKind::Protocol);
      EXPECT_EQ(h.error->message, "the reply to CAPA has more than 256 lines");
      EXPECT_EQ(h.client_bytes.find("USER"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace pop3::testing
