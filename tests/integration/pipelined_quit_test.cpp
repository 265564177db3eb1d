// A stress test (about 10 s): many TLS polls against a real Dovecot with
// pipelining, each fetching 20 messages into a fresh archive. Dovecot 2.3's
// pop3 process, on QUIT, flushes its output once without blocking and then closes it (src/pop3/pop3-client.c,
// client_disconnect): when QUIT was pipelined behind the last RETR and the
// socket to the TLS proxy (pop3-login) is full, the end of that RETR's reply
// and "+OK Logging out." are discarded, and the proxy then sends close_notify
// and FIN after a truncated reply: 1 to 3 polls in 60-80 on a loaded 2-core
// machine, none without the pipelined QUIT. popfetchd therefore sends QUIT
// only after the last reply (fetch::AccountPoll::maybe_quit). A loss that
// rare cannot be made to fail on demand: this test shows that 40 polls in a
// row now get every byte. POPFETCHD_TEST_POLLS sets the number of polls.

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "poll_harness.hpp"
#include "support/dovecot_server.hpp"
#include "support/temp_dir.hpp"

namespace {

using test_support::DovecotServer;

TEST(DovecotPipelinedQuit, EveryTlsPollWithPipeliningGetsTheWholeLastMessage) {
  DovecotServer server;
  ASSERT_TRUE(server.start().ok());
  ASSERT_TRUE(server.add_user("bob", "secret").ok());
  for (std::size_t i = 0; i < 20; ++i) {
    std::string raw = "From: a@example.org\r\nSubject: m" + std::to_string(i) + "\r\n\r\n";
    const std::size_t size = 1000 + i * 7919 % 200000;
    while (raw.size() < size)
      raw += "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz\r\n";
    ASSERT_TRUE(server.deliver("bob", raw).ok());
  }
  auto dir = test_support::TempDir::create("pipelined-quit");
  ASSERT_TRUE(dir.ok()) << dir.error().message;
  const char* polls_env = std::getenv("POPFETCHD_TEST_POLLS");
  const int polls = polls_env != nullptr ? std::atoi(polls_env) : 40;
  int failed = 0;
  for (int n = 0; n < polls; ++n) {
    auto account = integration::make_account("bob", server.host(), server.pop3s_port(), config::Security::Tls,
                                             config::AuthMethod::Plain);
    account.ca_file = server.ca_file().string();
    auto outcome =
        integration::run_poll(account, "secret", (dir->path() / ("db" + std::to_string(n))).string());
    ASSERT_TRUE(outcome.ok()) << outcome.error().message;
    if (!outcome->report.error) continue;
    ++failed;
    ADD_FAILURE() << "poll " << n << ": " << outcome->report.error->message;
  }
  EXPECT_EQ(failed, 0) << "of " << polls << " polls";
}

}  // namespace
