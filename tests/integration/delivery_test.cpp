// Issue 13 end to end, with the real binary: `poll-once` fetches from a
// Dovecot user and delivers every new message once into a Maildir and, by
// LMTP, into another user of that Dovecot; a full disk under the Maildir
// loses nothing and fetching goes on; an MDA that first answers EX_TEMPFAIL
// gets each message once after `popfetchd deliver`.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "integration/archive_probe.hpp"
#include "integration/mailbox.hpp"
#include "deliver/line_ends.hpp"
#include "integration/popfetchd_cli.hpp"
#include "integration/server_suite.hpp"
#include "support/files.hpp"
#include "support/line_client.hpp"

namespace {

namespace fs = std::filesystem;

// The LF bytes of every file in the Maildir's new/ and cur/.
std::multiset<std::string> maildir_messages(const fs::path& maildir) {
  std::multiset<std::string> out;
  for (const char* sub : {"new", "cur"}) {
    if (!fs::exists(maildir / sub)) continue;
    for (const auto& entry : fs::directory_iterator(maildir / sub)) out.insert(test_support::read_file(entry.path()));
  }
  return out;
}

class DeliveryTest : public integration::DovecotSuite<DeliveryTest> {
 public:
  static test_support::DovecotOptions options() {
    auto options = test_support::DovecotOptions::without_ssl();
    options.lmtp = true;
    return options;
  }

 protected:
  test_support::DovecotServer& server() { return suite_.server(); }
  fs::path dir(const std::string& name) {
    const fs::path path = suite_.work_dir() / name;
    fs::create_directories(path);
    return path;
  }

  // A source user with `count` messages, and the config that polls it (keep: false).
  integration::Mailbox source(const std::string& user, std::size_t count) {
    auto mailbox = integration::create_mailbox(server(), user, "pw-" + user,
                                               integration::plain_messages(user.size() * 100, count, 1500));
    EXPECT_TRUE(mailbox.ok()) << mailbox.error().message;
    return mailbox.ok() ? *mailbox : integration::Mailbox{};
  }
  fs::path write_config(const std::string& user, const std::vector<std::string>& deliver_lines) {
    integration::ConfigAccount account;
    account.name = user;
    account.port = server().pop3_port();
    account.password = "pw-" + user;
    account.keep = false;
    account.extra = {"deliver:"};
    for (const auto& line : deliver_lines) account.extra.push_back("  " + line);
    const fs::path config = dir(user) / "popfetchd.yaml";
    EXPECT_TRUE(integration::write_config(config, suite_.database(user), {account}).ok());
    return config;
  }
  test_support::CapturedRun popfetchd(const fs::path& config, std::vector<std::string> args) {
    args.insert(args.begin(), {"-c", config.string()});
    auto run = integration::run_popfetchd(args, config.parent_path());
    EXPECT_TRUE(run.ok()) << run.error().message;
    if (!run.ok()) return {};
    EXPECT_TRUE(integration::sanitizer_clean(run->err)) << run->err;
    return *run;
  }
  // What `user` holds on the server, over POP3, in order.
  std::vector<std::string> retrieve_all(const std::string& user) {
    std::vector<std::string> messages;
    auto client = test_support::LineClient::connect(server().host(), server().pop3_port());
    EXPECT_TRUE(client.ok());
    if (!client) return messages;
    (void)client->read_line();
    (void)client->command("USER " + user);
    (void)client->command("PASS pw-" + user);
    auto stat = client->command("STAT");
    const int count = stat && stat->rfind("+OK ", 0) == 0 ? std::stoi(stat->substr(4)) : 0;
    for (int i = 1; i <= count; ++i) {
      (void)client->command("RETR " + std::to_string(i));
      auto body = client->read_multiline();
      messages.push_back(body ? *body : "");
    }
    (void)client->command("QUIT");
    return messages;
  }
};

TEST_F(DeliveryTest, PollOnceDeliversEachMessageOnceToAMaildirAndByLmtp) {
  const auto mailbox = source("carol", 5);
  ASSERT_TRUE(server().add_user("dave", "pw-dave").ok());
  const fs::path maildir = dir("carol") / "Maildir";
  const fs::path config = write_config(
      "carol", {"- maildir: " + maildir.string(), "- lmtp: unix:" + server().lmtp_socket().string(),
                "  recipient: dave"});
  const auto first = popfetchd(config, {"poll-once"});
  EXPECT_EQ(first.exit_code(), 0) << first.out << first.err;
  EXPECT_NE(first.out.find("carol: delivered 5 to maildir:" + maildir.string()), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("carol: delivered 5 to lmtp:unix:"), std::string::npos) << first.out;

  std::multiset<std::string> expected_lf;
  for (const auto& message : mailbox.delivered) expected_lf.insert(deliver::crlf_to_lf(message.expected_pop3));
  EXPECT_EQ(maildir_messages(maildir), expected_lf);
  const auto at_dave = retrieve_all("dave");
  ASSERT_EQ(at_dave.size(), 5u);
  for (std::size_t i = 0; i < at_dave.size(); ++i) {
    // Dovecot's LMTP adds its trace headers in front of our bytes.
    const std::string& ours = mailbox.delivered[i].expected_pop3;
    EXPECT_TRUE(at_dave[i].size() >= ours.size() && at_dave[i].ends_with(ours)) << "message " << i;
  }

  // Nothing new on the server: a second run delivers nothing again.
  const auto second = popfetchd(config, {"poll-once"});
  EXPECT_EQ(second.exit_code(), 0) << second.out << second.err;
  EXPECT_EQ(maildir_messages(maildir).size(), 5u);
  EXPECT_EQ(retrieve_all("dave").size(), 5u);
}

TEST_F(DeliveryTest, AFullDiskUnderTheMaildirLosesNothingAndFetchingGoesOn) {
  if (::geteuid() != 0) GTEST_SKIP() << "mounting a small tmpfs needs root";
  const auto mailbox = source("erin", 4);
  const fs::path mount_point = dir("erin/small");
  ASSERT_EQ(::mount("tmpfs", mount_point.c_str(), "tmpfs", 0, "size=64k,mode=0755"), 0) << std::strerror(errno);
  struct Unmount {
    fs::path path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{mount_point};
  {
    std::ofstream filler(mount_point / "filler", std::ios::binary);
    const std::string block(4096, 'x');
    for (int i = 0; i < 64 && filler.write(block.data(), block.size()); ++i) {
    }
  }
  const fs::path maildir = mount_point / "Maildir";
  const fs::path config = write_config("erin", {"- maildir: " + maildir.string()});

  const auto full = popfetchd(config, {"poll-once"});
  EXPECT_EQ(full.exit_code(), 1) << "the target is failing: " << full.out << full.err;
  EXPECT_NE(full.out.find("erin: 4 new"), std::string::npos) << "the poll itself succeeded: " << full.out;
  EXPECT_TRUE(integration::archive_holds(suite_.database("erin"), "erin", mailbox, integration::all_of(mailbox)));
  EXPECT_TRUE(retrieve_all("erin").empty()) << "keep: false deleted on the server after the archive commit";
  EXPECT_NE(full.err.find("erin: delivered 0 to maildir:" + maildir.string() + " (4 pending"), std::string::npos)
      << full.err;

  fs::remove(mount_point / "filler");
  const auto freed = popfetchd(config, {"deliver", "--account", "erin"});
  EXPECT_EQ(freed.exit_code(), 0) << freed.out << freed.err;
  std::multiset<std::string> expected_lf;
  for (const auto& message : mailbox.delivered) expected_lf.insert(deliver::crlf_to_lf(message.expected_pop3));
  EXPECT_EQ(maildir_messages(maildir), expected_lf);
}

TEST_F(DeliveryTest, AnMdaThatFirstSaysTempfailGetsEachMessageOnce) {
  const auto mailbox = source("frank", 3);
  const fs::path work = dir("frank");
  const fs::path flag = work / "tempfail-once";
  const fs::path out = work / "delivered.txt";
  const fs::path script = work / "mda.sh";
  ASSERT_TRUE(test_support::write_file(script,
                                       "#!/bin/sh\n"
                                       "if [ ! -e '" + flag.string() + "' ]; then : > '" + flag.string() +
                                           "'; echo 'mailbox locked, try later' >&2; exit 75; fi\n"
                                           "{ cat; echo '--end--'; } >> '" + out.string() + "'\n",
                                       0755)
                  .ok());
  const fs::path config = write_config("frank", {"- mda: [" + script.string() + "]"});

  const auto first = popfetchd(config, {"poll-once"});
  EXPECT_EQ(first.exit_code(), 1) << first.out << first.err;
  EXPECT_NE(first.err.find("mailbox locked, try later"), std::string::npos) << first.err;
  EXPECT_FALSE(fs::exists(out));

  const auto again = popfetchd(config, {"deliver", "--account", "frank"});
  EXPECT_EQ(again.exit_code(), 0) << again.out << again.err;
  EXPECT_NE(again.out.find("frank: delivered 3 to mda:"), std::string::npos) << again.out;
  std::string expected;
  for (const auto& message : mailbox.delivered) expected += deliver::crlf_to_lf(message.expected_pop3) + "--end--\n";
  EXPECT_EQ(test_support::read_file(out), expected);
}

}  // namespace
