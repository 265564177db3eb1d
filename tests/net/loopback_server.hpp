#pragma once
// Test-only: tiny servers on the test's own libuv loop, bound to a loopback
// address on an ephemeral port, with a scripted behaviour per Mode. They record
// what they saw so tests can assert on it. Destroying one closes its handles;
// the loop must run afterwards to finish the close callbacks.

#include <uv.h>

#include <cstdint>
#include <set>
#include <string>

#include "support/test_pki.hpp"

namespace net_test {

using test_support::Credential;

class LoopbackServer {
 public:
  enum class Mode {
    Echo,           // echoes every byte
    Silent,         // accepts and reads, never answers
    GreetAndClose,  // sends "+OK bye\r\n", then closes the connection
    TlsEcho,        // TLS from the first byte, then echoes the plaintext
    StartTls,       // "+OK ready\r\n"; echoes lines; on "STLS\r\n" answers
                    // "+OK begin TLS\r\n" and continues as TlsEcho
    // TLS from the first byte; the first plaintext from the client gets
    // kFinalReply in several records with data-less records between them (a
    // warning alert, empty records), then close_notify, then FIN: all of it
    // in one write, as a server does that answers the last command and hangs up.
    TlsFinalReplyThenCloseNotify,
    TlsFinalReplyThenFin,  // the same without close_notify
  };
  static constexpr const char* kFinalReply = "+OK 2 lines\r\nline 1\r\nline 2\r\n.\r\n+OK bye\r\n";

  LoopbackServer(uv_loop_t* loop, Mode mode, const char* ip = "127.0.0.1",
                 const Credential* credential = nullptr);
  ~LoopbackServer();
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  bool listening() const { return port_ != 0; }
  std::uint16_t port() const { return port_; }

  int accepted() const { return accepted_; }
  const std::string& received() const { return received_; }  // plaintext, all clients
  bool client_closed() const { return client_closed_; }      // a client sent EOF
  bool close_notify_seen() const { return close_notify_seen_; }

  struct Client;  // one accepted connection, defined in the .cpp

 private:
  static void on_connection(uv_stream_t* listener, int status);
  void client_read(Client& client, std::string_view bytes);
  void client_eof(Client& client);
  void send(Client& client, std::string_view plaintext);
  void close_client(Client& client);
  void send_final_reply(Client& client);
  void hang_up(Client& client);  // FIN once the queued writes are out, then close

  uv_loop_t* loop_;
  Mode mode_;
  const Credential* credential_;
  uv_tcp_t* listener_ = nullptr;
  std::set<Client*> clients_;
  std::uint16_t port_ = 0;
  int accepted_ = 0;
  std::string received_;
  bool client_closed_ = false;
  bool close_notify_seen_ = false;
};

// A port on 127.0.0.1 that is bound but not listening: connecting to it is
// refused (RST) for as long as the object lives, with no race for the port.
class RefusingPort {
 public:
  RefusingPort();
  ~RefusingPort();
  RefusingPort(const RefusingPort&) = delete;
  RefusingPort& operator=(const RefusingPort&) = delete;
  std::uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

// A listening port on 127.0.0.1 whose accept queue is full (backlog 0, one
// connection parked, never accepted): Linux drops further SYNs, so a connect
// there hangs until the client gives up — a connect timeout without leaving
// the machine. `ok()` is false where that could not be set up.
class BlackholePort {
 public:
  BlackholePort();
  ~BlackholePort();
  BlackholePort(const BlackholePort&) = delete;
  BlackholePort& operator=(const BlackholePort&) = delete;
  bool ok() const { return port_ != 0; }
  std::uint16_t port() const { return port_; }

 private:
  int listener_ = -1;
  int parked_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace net_test
