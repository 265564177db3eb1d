#pragma once
// The byte stream under an LMTP delivery: a unix socket (uv_pipe_t, here) or
// TCP (net::Connection, clear text: LMTP is a local protocol), behind one
// small interface so LmtpTarget drives both alike.
//
// Owns: its libuv handles (freed by themselves once closed, so destroying a
// stream is safe at any time, also from inside its own handlers). Never
// interprets the bytes.
// Errors, once, through Handlers::on_error, and nothing after it:
//   Io       "cannot connect to unix:/run/dovecot/lmtp: connection refused",
//            "connection refused by 127.0.0.1:24", reset, write failures
//   Timeout  (TCP only: net::Connection's own bound on connect and silence)
// Handlers run only from the loop, never from inside a method; after close()
// or destruction none runs again.

#include <uv.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "net/connection.hpp"

namespace deliver {

// A parsed `lmtp:` address: "unix:/path", "host:port" or "[v6]:port".
struct LmtpAddress {
  bool unix_socket = false;
  std::string path;  // unix_socket
  std::string host;  // without brackets
  std::uint16_t port = 0;
};

// nullopt for anything else (no port, port 0 or > 65535, an empty path or
// host, a path too long for a unix socket address).
std::optional<LmtpAddress> parse_lmtp_address(std::string_view address);

class LmtpStream {
 public:
  // on_tls_ready is never called.
  using Handlers = net::Connection::Handlers;

  virtual ~LmtpStream() = default;
  // Queues bytes; ignored after close() or an error.
  virtual void write(std::string_view bytes) = 0;
  // Closes: TCP lets queued writes drain first, a unix socket closes at once
  // (LmtpTarget closes only when the dialogue is over). Idempotent.
  virtual void close() = 0;

  // Starts connecting; the outcome comes through the handlers.
  static std::unique_ptr<LmtpStream> open(uv_loop_t* loop, const LmtpAddress& address,
                                          std::chrono::milliseconds timeout, Handlers handlers);
};

}  // namespace deliver
