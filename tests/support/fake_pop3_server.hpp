#pragma once
// FakePop3Server: a scripted POP3 server on 127.0.0.1 (a free port) for
// hostile-server tests: drops, garbage, huge lines, stalls, bad certificates. It accepts its
// connections one after the other, runs one FakePop3Script on each in its own
// thread (blocking design: poll() on the socket and a stop pipe, no sleeps),
// and records every line the client sent.
//
//   FakePop3Server server(FakePop3Script().send_line("+OK hi").expect("CAPA").close());
//   ASSERT_TRUE(server.start().ok());
//   ... point the client at server.host() / server.port() ...
//   server.stop();                       // or wait_finished(): then all is recorded
//   EXPECT_THAT(server.received_lines(), ...);
//   EXPECT_TRUE(server.errors().empty());   // every expect() matched
//
// Owns: the listening socket, the current connection, the thread and the stop
// pipe; stop() (also run by the destructor) wakes the thread, joins it and
// closes everything. TLS: a script's start_tls step (POP3S when it comes
// first, STLS after the +OK to STLS), with a credential from test_pki.hpp.
// Errors: start() returns common::ErrorKind::Io when it cannot listen; script
// mismatches are not errors of the call but are listed by errors().

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/result.hpp"
#include "support/fake_pop3_script.hpp"
#include "support/fake_pop3_session.hpp"
#include "support/socket_util.hpp"

namespace test_support {

class FakePop3Server {
 public:
  // Runs `script` on each of `connections` connections in turn.
  explicit FakePop3Server(FakePop3Script script, std::size_t connections = 1);
  // Connection i runs scripts[i].
  explicit FakePop3Server(std::vector<FakePop3Script> scripts);
  FakePop3Server(const FakePop3Server&) = delete;
  FakePop3Server& operator=(const FakePop3Server&) = delete;
  ~FakePop3Server();

  common::Status start();
  // Wakes the thread, closes any open connection, joins. Idempotent.
  void stop();

  std::string host() const { return "127.0.0.1"; }
  std::uint16_t port() const { return port_; }

  // Blocks until every connection's script ran to its end and that connection
  // was closed (by the script or the client). The timeout only bounds a broken
  // test; true when finished.
  bool wait_finished(std::chrono::milliseconds timeout = std::chrono::seconds(30));

  // Every line the client sent, in order, across connections, without CRLF.
  std::vector<std::string> received_lines() const { return recorder_.lines(); }
  // Script mismatches ("expected X but the client sent Y", or the client
  // closed before an expected line). Empty when the client did what the script expected.
  std::vector<std::string> errors() const { return recorder_.errors(); }
  std::uint64_t received_bytes() const { return recorder_.received_bytes(); }
  std::uint64_t sent_bytes() const { return recorder_.sent_bytes(); }
  // Connections on which the client hung up (EOF or reset seen by the server).
  std::size_t client_closes() const { return recorder_.client_closes(); }
  // TLS handshakes (start_tls steps) that completed; a failed one is in errors().
  std::size_t tls_handshakes() const { return recorder_.tls_handshakes(); }
  std::size_t connections_accepted() const;

 private:
  void run();

  std::vector<FakePop3Script> scripts_;
  common::UniqueFd listener_;
  common::UniqueFd stop_read_;
  common::UniqueFd stop_write_;
  std::uint16_t port_ = 0;
  std::thread thread_;
  FakePop3Recorder recorder_;
  mutable std::mutex mutex_;
  std::condition_variable finished_cv_;
  bool finished_ = false;
  std::size_t accepted_ = 0;
};

}  // namespace test_support
