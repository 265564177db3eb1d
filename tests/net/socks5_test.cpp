// net::Socks5Client against scripted proxy replies: the bytes it sends, the
// replies fed whole and byte by byte, and every hostile reply refused in words.
#include "net/socks5.hpp"

#include <gtest/gtest.h>

#include <string>

namespace net {
namespace {

using namespace std::string_literals;

Socks5Client make(std::string destination, std::uint16_t port, std::string user = {},
                  std::string password = {}) {
  auto client = Socks5Client::create(
      Socks5Request{std::move(destination), port, std::move(user), common::Secret(std::move(password))});
  EXPECT_TRUE(client) << client.error().message;
  return std::move(*client);
}

// Feeds `reply` whole (split = 0) or in pieces of `split` bytes; collects output.
struct Fed {
  common::Result<Socks5Client::Progress> progress = Socks5Client::Progress::NeedMore;
  std::string sent;
};
Fed feed(Socks5Client& client, const std::string& reply, std::size_t split) {
  Fed run;
  run.sent = client.take_output();
  const std::size_t piece = split == 0 ? reply.size() : split;
  for (std::size_t i = 0; i < reply.size(); i += piece) {
    run.progress = client.receive(std::string_view(reply).substr(i, piece));
    run.sent += client.take_output();
    if (!run.progress) break;  // after Done, bytes still go in: the leftover
  }
  return run;
}

const std::string kConnectOkV4 = "\x05\x00\x00\x01\x7f\x00\x00\x01\x04\x38"s;

TEST(Socks5, NoAuthConnectsByNameAndHandsOverTheBytesAfterTheReply) {
  for (std::size_t split : {0, 1, 2, 3}) {
    Socks5Client client = make("pop.example.onion", 995);
    const Fed run = feed(client, "\x05\x00"s + kConnectOkV4 + "+OK hi\r\n", split);
    ASSERT_TRUE(run.progress) << run.progress.error().message;
    EXPECT_EQ(*run.progress, Socks5Client::Progress::Done) << "split " << split;
    EXPECT_EQ(run.sent, "\x05\x01\x00"s + "\x05\x01\x00\x03\x11pop.example.onion\x03\xe3"s);
    EXPECT_EQ(client.take_leftover(), "+OK hi\r\n") << "split " << split;
  }
}

TEST(Socks5, IpLiteralsGoAsAddressesNotNames) {
  Socks5Client v4 = make("127.0.0.1", 110);
  EXPECT_EQ(feed(v4, "\x05\x00"s, 0).sent, "\x05\x01\x00"s + "\x05\x01\x00\x01\x7f\x00\x00\x01\x00\x6e"s);
  Socks5Client v6 = make("[::1]", 110);
  const Fed run = feed(v6, "\x05\x00"s, 0);
  EXPECT_EQ(run.sent, "\x05\x01\x00"s + "\x05\x01\x00\x04"s + std::string(15, '\0') + "\x01\x00\x6e"s);
}

TEST(Socks5, UsernamePasswordIsOfferedAloneAndSentPerRfc1929) {
  for (std::size_t split : {0, 1, 5}) {
    Socks5Client client = make("pop.example.com", 110, "bob", "s3cret");
    const Fed run = feed(client, "\x05\x02"s + "\x01\x00"s + "\x05\x00\x00\x03\x04host\x00\x50"s, split);
    ASSERT_TRUE(run.progress) << run.progress.error().message;
    EXPECT_EQ(*run.progress, Socks5Client::Progress::Done);
    EXPECT_EQ(run.sent, "\x05\x01\x02"s +
                            "\x01\x03"
                            "bob\x06s3cret"s +
                            "\x05\x01\x00\x03\x0fpop.example.com\x00\x6e"s);
  }
}

TEST(Socks5, ReplyWithIpv6BindAddressIsConsumedWhole) {
  Socks5Client client = make("h", 1);
  const Fed run = feed(client, "\x05\x00"s + "\x05\x00\x00\x04"s + std::string(16, '\1') + "\x00\x01X"s, 0);
  ASSERT_TRUE(run.progress);
  EXPECT_EQ(client.take_leftover(), "X");
}

struct Hostile {
  const char* name;
  std::string user;
  std::string reply;
  common::ErrorKind kind;
  const char* message_part;
};

TEST(Socks5, HostileRepliesAreRefusedInWords) {
  const Hostile cases[] = {
      {"wrong version", "", "\x04\x00"s, common::ErrorKind::Protocol, "not a SOCKS5 proxy"},
      {"no acceptable method", "", "\x05\xff"s, common::ErrorKind::Auth, "needs authentication"},
      {"credentials not accepted", "u", "\x05\xff"s, common::ErrorKind::Auth, "does not accept username"},
      {"unoffered method", "", "\x05\x02"s, common::ErrorKind::Protocol, "was not offered"},
      {"auth refused", "u", "\x05\x02\x01\x01"s, common::ErrorKind::Auth,
       "refused the user name or password"},
      {"auth reply version", "u", "\x05\x02\x05\x00"s, common::ErrorKind::Protocol, "not 0x01"},
      {"connect reply version", "", "\x05\x00\x04\x00\x00\x01"s, common::ErrorKind::Protocol, "not 0x05"},
      {"reserved byte", "", "\x05\x00\x05\x00\x01\x01"s + std::string(6, '\0'), common::ErrorKind::Protocol,
       "reserved byte"},
      {"address type", "", "\x05\x00\x05\x00\x00\x09\x00"s, common::ErrorKind::Protocol,
       "unknown address type"},
  };
  for (const Hostile& c : cases) {
    for (std::size_t split : {0, 1}) {
      Socks5Client client = make("pop.example.com", 110, c.user, c.user.empty() ? "" : "pw");
      const Fed run = feed(client, c.reply, split);
      ASSERT_FALSE(run.progress) << c.name;
      EXPECT_EQ(run.progress.error().kind, c.kind) << c.name;
      EXPECT_NE(run.progress.error().message.find(c.message_part), std::string::npos)
          << c.name << ": " << run.progress.error().message;
      EXPECT_EQ(run.progress.error().message.find("pw"), std::string::npos) << c.name;
      EXPECT_FALSE(client.receive("\x05\x00"s)) << "dead after an error: " << c.name;
    }
  }
}

TEST(Socks5, EveryReplyCodeIsMappedToAClearMessage) {
  const std::pair<std::uint8_t, const char*> codes[] = {
      {1, "general SOCKS server failure"},
      {2, "not allowed"},
      {3, "network unreachable"},
      {4, "host unreachable"},
      {5, "connection refused"},
      {6, "TTL expired"},
      {7, "command not supported"},
      {8, "address type not supported"},
      {0x2a, "unassigned reply code 0x2a"},
  };
  for (const auto& [rep, text] : codes) {
    Socks5Client client = make("pop.example.com", 110);
    const Fed run = feed(client, "\x05\x00\x05"s + static_cast<char>(rep) + "\x00\x01"s, 0);
    ASSERT_FALSE(run.progress);
    EXPECT_EQ(run.progress.error().kind, common::ErrorKind::Io);
    EXPECT_EQ(run.progress.error().message,
              "the SOCKS5 proxy could not connect to pop.example.com:110: " + socks5_reply_text(rep));
    EXPECT_NE(socks5_reply_text(rep).find(text), std::string::npos) << int(rep);
  }
}

TEST(Socks5, ShortReplyIsNeedMoreAndEofSaysSo) {
  Socks5Client client = make("pop.example.com", 110);
  const Fed run = feed(client, "\x05\x00\x05\x00\x00\x01\x7f"s, 0);
  ASSERT_TRUE(run.progress);
  EXPECT_EQ(*run.progress, Socks5Client::Progress::NeedMore);
  EXPECT_EQ(client.receive_eof().kind, common::ErrorKind::Protocol);
  EXPECT_NE(client.receive_eof().message.find("closed the connection"), std::string::npos);
}

TEST(Socks5, OversizeFieldsAreRefusedAtCreate) {
  const auto long_name = Socks5Client::create(Socks5Request{std::string(256, 'a'), 110, {}, {}});
  ASSERT_FALSE(long_name);
  EXPECT_EQ(long_name.error().kind, common::ErrorKind::Config);
  EXPECT_TRUE(Socks5Client::create(Socks5Request{std::string(255, 'a'), 110, {}, {}}));
  const auto long_password =
      Socks5Client::create(Socks5Request{"h", 110, "u", common::Secret(std::string(256, 'p'))});
  ASSERT_FALSE(long_password);
  EXPECT_EQ(long_password.error().message.find("ppp"), std::string::npos);
}

}  // namespace
}  // namespace net
