// net::Connection over real loopback sockets, against the scripted servers of
// loopback_server.hpp running on the same loop. Each test runs the loop until
// the event it waits for has happened; a 10 s watchdog only turns a hang into
// a failure, it is never what a test waits for.

#include "net/connection.hpp"

#include <gtest/gtest.h>
#include <netdb.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "loopback_server.hpp"
#include "net/uv.hpp"
#include "support/test_pki.hpp"

namespace {

using common::ErrorKind;
using net::Connection;
using net::TlsOptions;
using net_test::LoopbackServer;
using test_support::TestPki;
using namespace std::chrono_literals;

constexpr auto kTimeout = 10s;         // a timeout that must not fire in these tests
constexpr auto kShortTimeout = 200ms;  // for the tests that wait for a timeout

struct Events {
  int connected = 0;
  int tls_ready = 0;
  int eof = 0;
  std::string data;
  int data_calls = 0;
  std::optional<common::Error> error;
  int after_terminal = 0;  // any callback after on_error/on_eof: a bug
  bool terminal() const { return error.has_value() || eof > 0; }
};

class ConnectionTest : public ::testing::Test {
 protected:
  void TearDown() override {
    connection_.reset();
    server_.reset();
    // Finish every close callback; the loop must then close cleanly (nothing leaked).
    EXPECT_EQ(uv_.close(), 0u) << "handles left open on the loop: " << uv_.leaked_handles();
    EXPECT_EQ(events_.after_terminal, 0) << "a callback came after the terminal event";
  }

  // Handlers recording into events_; `hook` runs extra code for a test.
  Connection::Handlers recording() {
    Connection::Handlers h;
    h.on_connected = [this] {
      if (events_.terminal()) ++events_.after_terminal;
      ++events_.connected;
      if (on_connected_) on_connected_();
    };
    h.on_tls_ready = [this] {
      if (events_.terminal()) ++events_.after_terminal;
      ++events_.tls_ready;
      if (on_tls_ready_) on_tls_ready_();
    };
    h.on_data = [this](std::string_view bytes) {
      if (events_.terminal()) ++events_.after_terminal;
      EXPECT_GT(events_.connected, 0) << "on_data before on_connected";
      events_.data.append(bytes);
      ++events_.data_calls;
      if (on_data_) on_data_(bytes);
    };
    h.on_error = [this](common::Error error) {
      if (events_.terminal()) ++events_.after_terminal;
      events_.error = std::move(error);
      if (on_terminal_) on_terminal_();
    };
    h.on_eof = [this] {
      if (events_.terminal()) ++events_.after_terminal;
      ++events_.eof;
      if (on_terminal_) on_terminal_();
    };
    return h;
  }

  // Runs the loop until `done` holds; false if the watchdog fired first or
  // the loop ran out of work.
  bool run_until(const std::function<bool()>& done) {
    uv_timer_t watchdog;
    uv_timer_init(&loop_, &watchdog);
    bool fired = false;
    watchdog.data = &fired;
    uv_timer_start(
        &watchdog, [](uv_timer_t* t) { *static_cast<bool*>(t->data) = true; }, 10000, 0);
    while (!done() && !fired) {
      if (uv_run(&loop_, UV_RUN_ONCE) == 0 && !done()) break;
    }
    uv_close(reinterpret_cast<uv_handle_t*>(&watchdog), nullptr);
    uv_run(&loop_, UV_RUN_NOWAIT);  // let the watchdog's close callback run
    return done();
  }

  LoopbackServer& start_server(LoopbackServer::Mode mode, const char* ip = "127.0.0.1",
                               const test_support::Credential* credential = nullptr) {
    server_ = std::make_unique<LoopbackServer>(&loop_, mode, ip, credential);
    return *server_;
  }

  Connection& make_connection() {
    connection_ = Connection::create(&loop_, recording());
    return *connection_;
  }

  static TlsOptions verifying(std::string host = "localhost") {
    return TlsOptions{std::move(host), true, TestPki::instance().ca_file};
  }

  net::UvLoop uv_;
  uv_loop_t& loop_ = *uv_.get();
  std::unique_ptr<LoopbackServer> server_;
  std::unique_ptr<Connection> connection_;
  Events events_;
  std::function<void()> on_connected_;
  std::function<void()> on_tls_ready_;
  std::function<void(std::string_view)> on_data_;
  std::function<void()> on_terminal_;
};

TEST_F(ConnectionTest, PlainConnectAndEcho) {
  auto& server = start_server(LoopbackServer::Mode::Echo);
  ASSERT_TRUE(server.listening());
  auto& connection = make_connection();
  on_connected_ = [&] { connection.write("CAPA\r\n"); };
  connection.connect("127.0.0.1", server.port(), kTimeout, std::nullopt);

  ASSERT_TRUE(run_until([&] { return events_.data == "CAPA\r\n" || events_.terminal(); }));
  EXPECT_FALSE(events_.error) << events_.error->message;
  EXPECT_EQ(events_.connected, 1);
  EXPECT_EQ(connection.peer_address(), "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_FALSE(connection.secure());
  EXPECT_FALSE(connection.tls_info());
}

TEST_F(ConnectionTest, WritesBeforeTheConnectionIsUpAreSentInOrderOnceItIs) {
  auto& server = start_server(LoopbackServer::Mode::Echo);
  auto& connection = make_connection();
  connection.write("one\r\n");
  connection.connect("127.0.0.1", server.port(), kTimeout, std::nullopt);
  connection.write("two\r\n");
  on_connected_ = [&] { connection.write("three\r\n"); };
  ASSERT_TRUE(run_until([&] { return events_.data.size() >= 16 || events_.terminal(); }));
  EXPECT_EQ(events_.data, "one\r\ntwo\r\nthree\r\n");
}

TEST_F(ConnectionTest, LargeTransferArrivesCompleteInBoundedPieces) {
  auto& server = start_server(LoopbackServer::Mode::Echo);
  auto& connection = make_connection();
  std::string big;
  for (int i = 0; big.size() < 1000000; ++i) big += "line " + std::to_string(i) + "\r\n";
  std::size_t largest_piece = 0;
  on_data_ = [&](std::string_view bytes) { largest_piece = std::max(largest_piece, bytes.size()); };
  on_connected_ = [&] { connection.write(big); };
  connection.connect("127.0.0.1", server.port(), kTimeout, std::nullopt);
  ASSERT_TRUE(run_until([&] { return events_.data.size() >= big.size() || events_.terminal(); }));
  EXPECT_EQ(events_.data, big);
  EXPECT_LE(largest_piece, 64u * 1024u);
}

TEST_F(ConnectionTest, RefusedConnectionIsAnIoError) {
  net_test::RefusingPort refusing;
  ASSERT_NE(refusing.port(), 0);
  auto& connection = make_connection();
  connection.connect("127.0.0.1", refusing.port(), kTimeout, std::nullopt);
  ASSERT_TRUE(run_until([&] { return events_.terminal(); }));
  ASSERT_TRUE(events_.error);
  EXPECT_EQ(events_.error->kind, ErrorKind::Io);
  EXPECT_EQ(events_.error->message, "connection refused by 127.0.0.1:" + std::to_string(refusing.port()));
  EXPECT_EQ(events_.connected, 0);
}

TEST_F(ConnectionTest, UnansweredConnectIsATimeout) {
  net_test::BlackholePort blackhole;
  ASSERT_TRUE(blackhole.ok());
  auto& connection = make_connection();
  connection.connect("127.0.0.1", blackhole.port(), kShortTimeout, std::nullopt);
  ASSERT_TRUE(run_until([&] { return events_.terminal() || events_.connected > 0; }));
  if (events_.connected > 0) GTEST_SKIP() << "this kernel accepted past a full listen queue";
  ASSERT_TRUE(events_.error);
  EXPECT_EQ(events_.error->kind, ErrorKind::Timeout);
  EXPECT_EQ(events_.error->message,
            "connection to 127.0.0.1:" + std::to_string(blackhole.port()) + " timed out after 200ms");
}

TEST_F(ConnectionTest, SilentServerIsATimeout) {
  auto& server = start_server(LoopbackServer::Mode::Silent);
  auto& connection = make_connection();
  on_connected_ = [&] { connection.write("CAPA\r\n"); };
  connection.connect("127.0.0.1", server.port(), kShortTimeout, std::nullopt);
  ASSERT_TRUE(run_until([&] { return events_.terminal(); }));
  ASSERT_TRUE(events_.error);
  EXPECT_EQ(events_.error->kind, ErrorKind::Timeout);
  EXPECT_EQ(events_.error->message, "no reply within 200ms from 127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(events_.connected, 1);
  EXPECT_EQ(server.received(), "CAPA\r\n");
}

TEST_F(ConnectionTest, SilentServerDuringTheTlsHandshakeIsATimeout) {
  auto& server = start_server(LoopbackServer::Mode::Silent);
  auto& connection = make_connection();
  connection.connect("127.0.0.1", server.port(), kShortTimeout, verifying());
  ASSERT_TRUE(run_until([&] { return events_.terminal(); }));
  ASSERT_TRUE(events_.error);
  EXPECT_EQ(events_.error->kind, ErrorKind::Timeout);
  EXPECT_EQ(events_.error->message, "TLS handshake with 127.0.0.1:" + std::to_string(server.port()) +
                                        " did not complete within 200ms");
  EXPECT_EQ(events_.connected, 0);
}

TEST_F(ConnectionTest, ResolvesLocalhost) {
  auto& server = start_server(LoopbackServer::Mode::Echo);
  auto& connection = make_connection();
  on_connected_ = [&] { connection.write("hi\r\n"); };
  // If "localhost" also resolves to ::1, that address is refused first and
  // the next one is tried.
  connection.connect("localhost", server.port(), kTimeout, std::nullopt);
  ASSERT_TRUE(run_until([&] { return events_.data == "hi\r\n" || events_.terminal(); }));
  EXPECT_FALSE(events_.error) << events_.error->message;
  EXPECT_EQ(connection.peer_address(), "127.0.0.1:" + std::to_string(server.port()));
}

TEST_F(ConnectionTest, ConnectsToAnIpv6LiteralWithOrWithoutBrackets) {
  for (const char* host : {"::1", "[::1]"}) {  // users write it both ways in YAML
    events_ = Events{};
    auto& server = start_server(LoopbackServer::Mode::Echo, "::1");
    if (!server.listening()) GTEST_SKIP() << "no IPv6 loopback on this machine";
    auto& connection = make_connection();
    on_connected_ = [&] { connection.write("hi\r\n"); };
    connection.connect(host, server.port(), kTimeout, std::nullopt);
    ASSERT_TRUE(run_until([&] { return events_.data == "hi\r\n" || events_.terminal(); }));
    EXPECT_FALSE(events_.error) << events_.error->message;
    EXPECT_EQ(connection.peer_address(), "[::1]:" + std::to_string(server.port()));
  }
}

// A name with both an AAAA and an A answer where only one family listens:
// the refused address is skipped and the other one connects, whichever
// order the resolver gives.
TEST_F(ConnectionTest, ANameOnBothFamiliesConnectsWhereverOneListens) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  bool v4 = false;
  bool v6 = false;
  if (getaddrinfo("localhost", nullptr, &hints, &list) == 0) {
    for (const addrinfo* a = list; a != nullptr; a = a->ai_next) {
      v4 = v4 || a->ai_family == AF_INET;
      v6 = v6 || a->ai_family == AF_INET6;
    }
    freeaddrinfo(list);
  }
  if (!v4 || !v6) GTEST_SKIP() << "localhost does not resolve to both 127.0.0.1 and ::1 here (see /etc/hosts)";
  for (const char* ip : {"::1", "127.0.0.1"}) {
    SCOPED_TRACE(ip);
    events_ = Events{};
    auto& server = start_server(LoopbackServer::Mode::Echo, ip);
    ASSERT_TRUE(server.listening());
    auto& connection = make_connection();
    on_connected_ = [&] { connection.write("hi\r\n"); };
    connection.connect("localhost", server.port(), kTimeout, std::nullopt);
    ASSERT_TRUE(run_until([&] { return events_.data == "hi\r\n" || events_.terminal(); }));
    EXPECT_FALSE(events_.error) << events_.error->message;
  }
}

TEST_F(ConnectionTest, ImplicitTlsConnectsVerifiesAndEchoes) {
  auto& server = start_server(LoopbackServer::Mode::TlsEcho, "127.0.0.1", &TestPki::instance().good);
  auto& connection = make_connection();
  on_connected_ = [&] {
    EXPECT_TRUE(connection.secure());
    connection.write("USER alice\r\n");
  };
  connection.connect("localhost", server.port(), kTimeout, verifying(""));  // "" = the host connected to
  ASSERT_TRUE(run_until([&] { return events_.data == "USER alice\r\n" || events_.terminal(); }));
  EXPECT_FALSE(events_.error) << events_.error->message;
  EXPECT_EQ(server.received(), "USER alice\r\n");
  ASSERT_TRUE(connection.tls_info());
  EXPECT_TRUE(connection.tls_info()->version == "TLSv1.2" || connection.tls_info()->version == "TLSv1.3")
      << connection.tls_info()->version;
}

TEST_F(ConnectionTest, ImplicitTlsToAnIpLiteralChecksTheIpAddressSan) {
  auto& server = start_server(LoopbackServer::Mode::TlsEcho, "127.0.0.1", &TestPki::instance().good);
  auto& connection = make_connection();
  on_connected_ = [&] { connection.write("x\r\n"); };
  connection.connect("127.0.0.1", server.port(), kTimeout, verifying(""));
  ASSERT_TRUE(run_until([&] { return events_.data == "x\r\n" || events_.terminal(); }));
  EXPECT_FALSE(events_.error) << events_.error->message;
}

TEST_F(ConnectionTest, ImplicitTlsWithABadCertificateIsATlsError) {
  auto& server = start_server(LoopbackServer::Mode::TlsEcho, "127.0.0.1", &TestPki::instance().expired);
  auto& connection = make_connection();
  connection.connect("127.0.0.1", server.port(), kTimeout, verifying("localhost"));
  ASSERT_TRUE(run_until([&] { return events_.terminal(); }));
  ASSERT_TRUE(events_.error);
  EXPECT_EQ(events_.error->kind, ErrorKind::Tls);
  EXPECT_EQ(events_.error->message, "TLS handshake with 127.0.0.1:" + std::to_string(server.port()) +
                                        " failed: certificate verification failed for localhost: "
                                        "certificate has expired");
  EXPECT_EQ(events_.connected, 0);
}

TEST_F(ConnectionTest, TlsToAClearTextServerIsATlsError) {
  auto& server = start_server(LoopbackServer::Mode::Echo);  // echoes our ClientHello back
  auto& connection = make_connection();
  connection.connect("127.0.0.1", server.port(), kTimeout, verifying());
  ASSERT_TRUE(run_until([&] { return events_.terminal(); }));
  ASSERT_TRUE(events_.error);
  EXPECT_EQ(events_.error->kind, ErrorKind::Tls);
}

TEST_F(ConnectionTest, MissingCaFileIsReportedFromTheLoop) {
  auto& server = start_server(LoopbackServer::Mode::TlsEcho, "127.0.0.1", &TestPki::instance().good);
  auto& connection = make_connection();
  connection.connect("127.0.0.1", server.port(), kTimeout,
                     TlsOptions{"localhost", true, "/nonexistent/ca.pem"});
  EXPECT_FALSE(events_.error) << "a handler ran inside connect()";
  ASSERT_TRUE(run_until([&] { return events_.terminal(); }));
  ASSERT_TRUE(events_.error);
  EXPECT_EQ(events_.error->kind, ErrorKind::Config);
  EXPECT_EQ(server.accepted(), 0);
}

TEST_F(ConnectionTest, StartTlsUpgradesAfterAClearTextExchange) {
  auto& server = start_server(LoopbackServer::Mode::StartTls, "127.0.0.1", &TestPki::instance().good);
  auto& connection = make_connection();
  on_data_ = [&](std::string_view) {
    if (events_.data == "+OK ready\r\n") {
      connection.write("STLS\r\n");
    } else if (events_.data == "+OK ready\r\n+OK begin TLS\r\n") {
      EXPECT_FALSE(connection.secure());
      connection.start_tls(verifying());
      connection.write("CAPA\r\n");  // held until the handshake is done, then encrypted
    }
  };
  on_tls_ready_ = [&] { EXPECT_TRUE(connection.secure()); };
  connection.connect("127.0.0.1", server.port(), kTimeout, std::nullopt);
  ASSERT_TRUE(run_until([&] { return events_.data.ends_with("CAPA\r\n") || events_.terminal(); }));
  EXPECT_FALSE(events_.error) << events_.error->message;
  EXPECT_EQ(events_.tls_ready, 1);
  EXPECT_EQ(events_.connected, 1);
  EXPECT_EQ(events_.data, "+OK ready\r\n+OK begin TLS\r\nCAPA\r\n");
  EXPECT_EQ(server.received(), "STLS\r\nCAPA\r\n");
  EXPECT_TRUE(connection.secure());
}

TEST_F(ConnectionTest, StartTlsWithABadCertificateIsATlsError) {
  auto& server = start_server(LoopbackServer::Mode::StartTls, "127.0.0.1", &TestPki::instance().wrong_host);
  auto& connection = make_connection();
  on_data_ = [&](std::string_view) {
    if (events_.data == "+OK ready\r\n") connection.write("STLS\r\n");
    if (events_.data == "+OK ready\r\n+OK begin TLS\r\n") connection.start_tls(verifying());
  };
  connection.connect("127.0.0.1", server.port(), kTimeout, std::nullopt);
  ASSERT_TRUE(run_until([&] { return events_.terminal(); }));
  ASSERT_TRUE(events_.error);
  EXPECT_EQ(events_.error->kind, ErrorKind::Tls);
  EXPECT_NE(events_.error->message.find("host name does not match the certificate"), std::string::npos)
      << events_.error->message;
  EXPECT_EQ(events_.tls_ready, 0);
}

TEST_F(ConnectionTest, StartTlsOnAConnectionThatIsNotOpenFailsFromTheLoop) {
  auto& connection = make_connection();
  connection.start_tls(verifying());
  EXPECT_FALSE(events_.error) << "a handler ran inside start_tls()";
  ASSERT_TRUE(run_until([&] { return events_.terminal(); }));
  EXPECT_EQ(events_.error->kind, ErrorKind::Tls);
}

TEST_F(ConnectionTest, ServerClosingIsEof) {
  auto& server = start_server(LoopbackServer::Mode::GreetAndClose);
  auto& connection = make_connection();
  connection.connect("127.0.0.1", server.port(), kTimeout, std::nullopt);
  ASSERT_TRUE(run_until([&] { return events_.terminal(); }));
  EXPECT_FALSE(events_.error) << events_.error->message;
  EXPECT_EQ(events_.data, "+OK bye\r\n");
  EXPECT_EQ(events_.eof, 1);
}

// A server that answers the last (pipelined) command and hangs up at once:
// its last records, close_notify and FIN may come in one segment. Every
// plaintext byte must reach on_data before on_eof, whatever records without
// data (warning alerts, empty records) sit between them.
TEST_F(ConnectionTest, FinalTlsRecordsBeforeCloseNotifyAllArriveBeforeEof) {
  for (auto mode :
       {LoopbackServer::Mode::TlsFinalReplyThenCloseNotify, LoopbackServer::Mode::TlsFinalReplyThenFin}) {
    SCOPED_TRACE(mode == LoopbackServer::Mode::TlsFinalReplyThenFin ? "FIN without close_notify"
                                                                    : "close_notify");
    events_ = Events{};
    auto& server = start_server(mode, "127.0.0.1", &TestPki::instance().good);
    auto& connection = make_connection();
    on_connected_ = [&] { connection.write("RETR 1\r\nQUIT\r\n"); };
    connection.connect("127.0.0.1", server.port(), kTimeout, verifying("127.0.0.1"));
    ASSERT_TRUE(run_until([&] { return events_.terminal(); }));
    EXPECT_FALSE(events_.error) << events_.error->message;
    EXPECT_EQ(events_.data, LoopbackServer::kFinalReply);
    EXPECT_EQ(events_.eof, 1);
    connection_.reset();
    server_.reset();
    uv_run(&loop_, UV_RUN_DEFAULT);
  }
}

TEST_F(ConnectionTest, CloseFromInsideOnDataStopsAllCallbacksAndClosesGracefully) {
  auto& server = start_server(LoopbackServer::Mode::Echo);
  auto& connection = make_connection();
  on_connected_ = [&] { connection.write("first\r\n"); };
  on_data_ = [&](std::string_view) {
    connection.close();
    connection.close();  // idempotent
    connection.write("ignored\r\n");
  };
  connection.connect("127.0.0.1", server.port(), kTimeout, std::nullopt);
  ASSERT_TRUE(run_until([&] { return server.client_closed(); }));
  EXPECT_EQ(events_.data_calls, 1);
  EXPECT_FALSE(events_.terminal());  // no on_error/on_eof after close()
  EXPECT_EQ(server.received(), "first\r\n");
}

TEST_F(ConnectionTest, CloseUnderTlsSendsCloseNotify) {
  auto& server = start_server(LoopbackServer::Mode::TlsEcho, "127.0.0.1", &TestPki::instance().good);
  auto& connection = make_connection();
  on_connected_ = [&] { connection.write("QUIT\r\n"); };
  on_data_ = [&](std::string_view) { connection.close(); };
  connection.connect("127.0.0.1", server.port(), kTimeout, verifying());
  ASSERT_TRUE(run_until([&] { return server.client_closed(); }));
  EXPECT_TRUE(server.close_notify_seen());
  EXPECT_FALSE(events_.terminal());
}

TEST_F(ConnectionTest, DestroyingFromInsideOnDataIsSafe) {
  auto& server = start_server(LoopbackServer::Mode::Echo);
  auto& connection = make_connection();
  on_connected_ = [&] { connection.write("bye\r\n"); };
  on_data_ = [&](std::string_view) { connection_.reset(); };
  connection.connect("127.0.0.1", server.port(), kTimeout, std::nullopt);
  ASSERT_TRUE(run_until([&] { return server.client_closed(); }));
  EXPECT_EQ(events_.data_calls, 1);
  EXPECT_FALSE(events_.terminal());
}

TEST_F(ConnectionTest, DestroyingFromInsideOnErrorIsSafe) {
  net_test::RefusingPort refusing;
  auto& connection = make_connection();
  on_terminal_ = [&] { connection_.reset(); };
  connection.connect("127.0.0.1", refusing.port(), kTimeout, std::nullopt);
  ASSERT_TRUE(run_until([&] { return events_.terminal(); }));
  EXPECT_FALSE(connection_);
}

TEST_F(ConnectionTest, DestroyingWhileResolvingCallsNothing) {
  net_test::RefusingPort refusing;  // not a loop handle: the loop ends when the connection is gone
  auto& connection = make_connection();
  connection.connect("localhost", refusing.port(), kTimeout, std::nullopt);
  connection_.reset();
  uv_run(&loop_, UV_RUN_DEFAULT);  // the lookup finishes, nothing else happens
  EXPECT_EQ(events_.connected, 0);
  EXPECT_FALSE(events_.terminal());
}

// Destroys the connection after 0, 1, 2, ... loop iterations, so that it dies
// while resolving, while connecting, during the TLS handshake and once open.
// Whatever the phase: no callback afterwards, nothing leaked (ASan/LSan), and
// the loop closes cleanly.
TEST_F(ConnectionTest, DestroyingAtAnyPointWhileConnectingIsSafe) {
  auto& server = start_server(LoopbackServer::Mode::TlsEcho, "127.0.0.1", &TestPki::instance().good);
  bool reached_open = false;
  for (int iterations = 0; iterations < 40 && !reached_open; ++iterations) {
    Events before = events_;
    auto connection = Connection::create(&loop_, recording());
    connection->connect("127.0.0.1", server.port(), kTimeout, verifying());
    for (int i = 0; i < iterations; ++i) uv_run(&loop_, UV_RUN_ONCE);
    reached_open = connection->secure();
    const int connected_before_destroy = events_.connected;
    connection.reset();
    uv_run(&loop_, UV_RUN_NOWAIT);
    EXPECT_EQ(events_.connected, connected_before_destroy);
    EXPECT_FALSE(events_.error) << events_.error->message;
    (void)before;
  }
  EXPECT_TRUE(reached_open) << "never got as far as an open connection";
}

}  // namespace
