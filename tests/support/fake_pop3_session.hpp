#pragma once
// One FakePop3Server connection: runs a FakePop3Script over a connected
// non-blocking socket and records what the client did.
//
// Every complete line the client sends is recorded as it arrives (whether a
// step expected it or not). After the last step the session keeps reading and
// recording until the client disconnects (unless the script closed first), so
// a trailing QUIT is recorded too. Waiting is poll() on the socket and the
// server's stop pipe: nothing sleeps. After a start_tls step the session runs
// a TlsTestServer over the socket.
// Owns the TLS server state of its connection (the server owns the socket);
// never throws: TLS failures are recorded as errors.

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "support/fake_pop3_script.hpp"

namespace test_support {

// What the fake server saw, shared between its thread and the test thread.
class FakePop3Recorder {
 public:
  void add_line(std::string line);
  void add_error(std::string error);
  void add_received(std::size_t bytes);
  void add_sent(std::size_t bytes);
  void add_client_close();
  void add_tls_handshake();

  std::vector<std::string> lines() const;
  std::vector<std::string> errors() const;
  std::uint64_t received_bytes() const;
  std::uint64_t sent_bytes() const;
  std::size_t client_closes() const;
  std::size_t tls_handshakes() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
  std::vector<std::string> errors_;
  std::uint64_t received_bytes_ = 0;
  std::uint64_t sent_bytes_ = 0;
  std::size_t client_closes_ = 0;
  std::size_t tls_handshakes_ = 0;
};

enum class SessionEnd {
  Finished,  // script done and the connection closed (by either side)
  Stopped,   // the server is stopping
};

// Runs `script` on `fd` (connected, O_NONBLOCK; the caller closes it unless a
// Close/Reset step did: then the returned flag `closed` is set).
struct SessionResult {
  SessionEnd end;
  bool closed;
};
SessionResult run_fake_pop3_session(int fd, int stop_fd, const FakePop3Script& script, std::size_t connection,
                                    FakePop3Recorder& recorder);

}  // namespace test_support
