#pragma once
// net::Connection: one client TCP connection on a libuv loop, optionally
// encrypted by a TlsSession — from the first byte (implicit TLS, POP3S) or
// after a clear-text exchange (start_tls, for STLS).
//
// Owns: a Dialer (net/dialer.hpp: the DNS request, one uv_tcp_t per
// connection attempt), then the connected socket, one uv_timer_t, a
// Socks5Client while a proxy negotiates, and the TlsSession. Never touches the POP3 protocol: bytes in, bytes out.
//
// Errors, each delivered once through on_error and terminal:
//   Io      "connection refused by 127.0.0.1:1110", "no address for host x",
//           "connection to 127.0.0.1:110 reset by the server", ...
//   Timeout "could not resolve x within 60s", "connection to ... timed out after 60s",
//           "SOCKS5 proxy 127.0.0.1:1080 did not answer within 60s",
//           "TLS handshake with ... did not complete within 60s",
//           "no reply within 60s from 127.0.0.1:110"
//   Tls     handshake and verification failures in words
//           ("... certificate verification failed for x: certificate has expired")
//   Config  the CA file cannot be used
//   Aborted misuse (connect() twice, ...) or an internal error (e.g. out of memory)
//
// One `timeout` bounds each phase: name resolution, each TCP connection
// attempt, the TLS handshake as a whole, and — once connected — silence from
// the server: the timer restarts on every byte received and on every write(),
// so it fires only when the server says nothing for `timeout` after it was
// spoken to (a POP3 client always awaits a reply while connected).
//
// Lifetime. create() returns a unique_ptr; the object you hold is a thin
// handle. Destroying it (or calling close()) is safe at any time, including
// from inside any handler: the libuv handles and their memory live on in a
// private core that frees itself (a CloseLatch, net/uv.hpp) once libuv's
// close callbacks have run. Run the loop until it has no more work before
// closing it (net::UvLoop does).
//
// Ordering guarantees:
//   - Handlers run only from the loop, never from inside a Connection method.
//   - on_connected at most once, when TCP is up (and, with implicit TLS, the
//     handshake is done); on_tls_ready at most once, when start_tls finished.
//   - on_data only after on_connected, in stream order, as bytes arrive (no
//     unbounded read buffering: at most one read's worth at a time).
//   - on_error or on_eof, at most one of them, at most once; nothing after it.
//   - After close() or destruction: no handler is ever called again.
//   - Handlers are released only when the core is freed (after close callbacks),
//     so destroying the Connection inside a handler never destroys the running
//     std::function.
// Not thread-safe: use it only on the loop's thread.
//
// The security modes of DESIGN.md §2 map onto it as:
//   none                   connect(host, port, timeout, std::nullopt)
//   tls                    connect(host, port, timeout, TlsOptions{host, true, ca_file})
//   tls-if-available       connect(host, port, timeout, TlsOptions{host, false, {}})
//   starttls               connect(..., std::nullopt); after "+OK" to STLS:
//                          start_tls(TlsOptions{host, true, ca_file})
//   starttls-if-available  the same with verify = false, and only if CAPA lists STLS

#include <uv.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "net/socks5.hpp"
#include "net/tls_options.hpp"

namespace net {

class Connection {
 public:
  struct Handlers {
    std::function<void()> on_connected;  // TCP up (and implicit TLS done)
    std::function<void()> on_tls_ready;  // start_tls() handshake done
    std::function<void(std::string_view plaintext)> on_data;
    std::function<void(common::Error)> on_error;  // terminal
    std::function<void()> on_eof;                 // the server closed; terminal
  };

  static std::unique_ptr<Connection> create(uv_loop_t* loop, Handlers handlers);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Resolves `host` (name, IPv4 or IPv6 literal, brackets allowed) with
  // AF_UNSPEC and tries each address in order until one connects. With
  // `implicit_tls`, the handshake runs before on_connected (an empty
  // TlsOptions::host means `host`). Call once per Connection.
  // With `proxy`, the proxy is resolved and dialed instead, and a SOCKS5
  // CONNECT to host:port (the name unresolved) runs before TLS or
  // on_connected; TLS still names and verifies `host`. Proxy failures come
  // as on_error: Io/Timeout reaching the proxy or from its reply code, Auth
  // when it refuses the credentials, Protocol for a reply that is not SOCKS5.
  void connect(std::string host, std::uint16_t port, std::chrono::milliseconds timeout,
               std::optional<TlsOptions> implicit_tls, std::optional<Socks5Proxy> proxy = std::nullopt);

  // Upgrades an established clear-text connection (after the server's +OK to
  // STLS). Bytes already delivered stay clear text; anything the server sent
  // after its +OK in the same read was delivered too and must be discarded by
  // the caller (RFC 2595 §4: nothing may precede the handshake).
  void start_tls(TlsOptions options);

  // Queues bytes to send: encrypted once TLS is on; held (in order) until the
  // connection or the TLS handshake is ready. Ignored after close() or an error.
  void write(std::string_view bytes);

  // Graceful: sends close_notify under TLS, lets queued writes drain (bounded
  // by `timeout`), then closes. Idempotent; safe inside any handler.
  void close();

  bool secure() const;                      // TLS handshake completed
  std::string peer_address() const;         // "127.0.0.1:110", "[::1]:995"; "" before TCP is up
  std::optional<TlsInfo> tls_info() const;  // when secure()
  std::size_t write_queue_size() const;     // bytes handed to the kernel queue but not yet sent

  class Core;  // opaque: the libuv side, defined in connection.cpp

 private:
  explicit Connection(Core* core) : core_(core) {}
  Core* core_;
};

}  // namespace net
