// The `deliver:` list of an account: each kind of target, its defaults, and
// every way an entry can be wrong (with its position).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/config.hpp"

namespace {

using Kind = config::DeliveryTarget::Kind;

const std::string kAccount =
    "accounts:\n  - name: a\n    server: s\n    email: alice@example.com\n    password: p\n";

config::LoadResult load(const std::string& deliver_lines) {
  return config::load_string(kAccount + deliver_lines, "/etc/popfetchd/p.yaml");
}

std::string errors(const config::LoadResult& result) {
  std::string text;
  for (const auto& e : result.errors) text += e.to_string() + "\n";
  return text;
}

TEST(DeliverConfig, EveryKindWithItsDefaults) {
  const auto result = load(
      "    deliver:\n"
      "      - maildir: Maildir\n"
      "      - mbox: /var/mail/alice\n"
      "      - mda: [/usr/lib/dovecot/deliver, -d, alice]\n"
      "      - lmtp: unix:/run/dovecot/lmtp\n"
      "      - lmtp: 127.0.0.1:24\n"
      "        recipient: bob@example.com\n"
      "        timeout: 10s\n");
  ASSERT_TRUE(result.ok()) << errors(result);
  const auto& targets = result.config->accounts.at(0).deliver;
  ASSERT_EQ(targets.size(), 5u);
  EXPECT_EQ(targets[0].kind, Kind::Maildir);
  EXPECT_EQ(targets[0].path, "/etc/popfetchd/Maildir");  // relative to the config file
  EXPECT_EQ(targets[0].key(), "maildir:/etc/popfetchd/Maildir");
  EXPECT_EQ(targets[1].key(), "mbox:/var/mail/alice");
  EXPECT_EQ(targets[2].argv, (std::vector<std::string>{"/usr/lib/dovecot/deliver", "-d", "alice"}));
  EXPECT_EQ(targets[2].key(), "mda:/usr/lib/dovecot/deliver -d alice");
  EXPECT_EQ(targets[2].timeout, std::chrono::seconds(300));
  EXPECT_EQ(targets[3].address, "unix:/run/dovecot/lmtp");
  EXPECT_EQ(targets[3].recipient, "alice@example.com");  // the account's email
  EXPECT_EQ(targets[3].timeout, std::chrono::seconds(60));
  EXPECT_EQ(targets[4].recipient, "bob@example.com");
  EXPECT_EQ(targets[4].timeout, std::chrono::seconds(10));
}

TEST(DeliverConfig, AbsentOrEmptyMeansNoDelivery) {
  const auto absent = load("");
  ASSERT_TRUE(absent.ok()) << errors(absent);
  EXPECT_TRUE(absent.config->accounts.at(0).deliver.empty());
  const auto empty = load("    deliver: []\n");
  ASSERT_TRUE(empty.ok()) << errors(empty);
  EXPECT_TRUE(empty.config->accounts.at(0).deliver.empty());
}

TEST(DeliverConfig, DefaultsApplyToEveryAccount) {
  const auto result = config::load_string(
      "defaults:\n  deliver:\n    - maildir: /srv/mail\n" + kAccount, "/etc/popfetchd/p.yaml");
  ASSERT_TRUE(result.ok()) << errors(result);
  EXPECT_EQ(result.config->accounts.at(0).deliver.at(0).path, "/srv/mail");
}

struct BadCase {
  std::string lines;
  int line;
  std::string says;
};

class DeliverConfigInvalid : public ::testing::TestWithParam<BadCase> {};

TEST_P(DeliverConfigInvalid, IsOneErrorAtItsLine) {
  const auto result = load(GetParam().lines);
  EXPECT_FALSE(result.ok());
  ASSERT_EQ(result.errors.size(), 1u) << errors(result);
  EXPECT_EQ(result.errors[0].location.line, GetParam().line) << errors(result);
  EXPECT_NE(result.errors[0].message.find(GetParam().says), std::string::npos) << errors(result);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, DeliverConfigInvalid,
    ::testing::Values(BadCase{"    deliver: /srv/mail\n", 6, "must be a list"},
                      BadCase{"    deliver:\n      - /srv/mail\n", 7, "must be a map"},
                      BadCase{"    deliver:\n      - maildir: /a\n        mbox: /b\n", 8, "names one target"},
                      BadCase{"    deliver:\n      - recipient: x@y\n", 7, "must be a map with one of"},
                      BadCase{"    deliver:\n      - maildir: ~bob/Maildir\n", 7, "another user's home"},
                      BadCase{"    deliver:\n      - mda: /usr/bin/procmail -d alice\n", 7, "split it into a list"},
                      BadCase{"    deliver:\n      - mda: [procmail]\n", 7, "absolute path"},
                      BadCase{"    deliver:\n      - lmtp: localhost\n", 7, "unix:/absolute/path or host:port"},
                      BadCase{"    deliver:\n      - lmtp: unix:relative\n", 7, "unix:/absolute/path"},
                      BadCase{"    deliver:\n      - lmtp: ::1:24\n", 7, "brackets"},
                      BadCase{"    deliver:\n      - maildir: /a\n        recipient: x@y\n", 8,
                              "only applies to an lmtp"},
                      BadCase{"    deliver:\n      - maildir: /a\n        timeout: 5s\n", 8, "only applies"},
                      BadCase{"    deliver:\n      - lmtp: h:24\n        timeout: 0s\n", 8, "above 0s"},
                      BadCase{"    deliver:\n      - lmtp: h:24\n        recipient: <x@y>\n", 8, "an address"},
                      BadCase{"    deliver:\n      - maildir: /a\n        folder: x\n", 8, "unknown deliver: key"},
                      BadCase{"    deliver:\n      - maildir: /a\n      - maildir: /a\n", 8, "listed twice"}));

}  // namespace
