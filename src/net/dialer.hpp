#pragma once
// net::Dialer: the first half of a client connection. Resolves a host (name,
// IPv4 or IPv6 literal) with AF_UNSPEC and tries each address in resolver
// order (RFC 6724, by getaddrinfo) until one connects, then hands the
// connected socket to its Listener. Through a SOCKS5 proxy (start_via), the
// proxy is resolved and connected instead, and the Dialer runs the
// Socks5Client over the socket until the tunnel is open: the server's name
// never reaches our resolver. net::Connection uses it; it is not meant to be
// used alone.
//
// Owns: the DNS request, one Socket per attempt until it is handed over
// (libuv cannot reuse a handle whose connect failed), and the Socks5Client
// with its writes. Reads and writes only the proxy's negotiation.
// Each of them holds the owner's CloseLatch until its callback has run, so
// the owner outlives them. Never touches a timer: the owner times each
// phase and calls timed_out().
//
// Errors, through Listener::dial_failed, once, and nothing after it:
//   Io      "no address for host x", "cannot resolve host x: ...",
//           "connection refused by 127.0.0.1:1110", or, when every address
//           failed, "cannot connect to x:110: <each attempt's error>; ..."
//   Timeout "could not resolve x within 60s", "connection to ... timed out
//           after 60s" (when every attempt timed out), "SOCKS5 proxy
//           127.0.0.1:1080 did not answer within 60s"
//   and the Socks5Client's errors (net/socks5.hpp), naming the proxy

#include <uv.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "net/socks5.hpp"
#include "net/uv.hpp"

namespace net {

// One TCP connection attempt; after a successful one, the connection's
// socket. `owner` is for the libuv callbacks of whoever holds it now.
struct Socket {
  uv_tcp_t tcp;
  uv_connect_t connect;
  void* owner = nullptr;
  CloseLatch* latch = nullptr;
  std::string endpoint;  // "127.0.0.1:110", "[::1]:995"
};

// Closes the socket's handle; its memory is freed and its latch released in
// the close callback.
void close_socket(Socket* socket);

class Dialer {
 public:
  class Listener {
   public:
    // Connected: the socket is the listener's now (close it with close_socket).
    // `early_bytes`: what the server sent in the same read as the proxy's
    // reply (empty without a proxy), to be taken as received.
    virtual void dialed(Socket* socket, std::string early_bytes) = 0;
    virtual void dial_failed(common::Error error) = 0;
    // A new phase began (resolution, or an attempt): restart its timer.
    virtual void dial_phase_started() = 0;
    // Runs `step` as an entry point from libuv, under the listener's own
    // guard: no exception escapes, nothing is freed while it runs.
    virtual void enter(const std::function<void()>& step) noexcept = 0;

   protected:
    ~Listener() = default;
  };

  Dialer(uv_loop_t* loop, CloseLatch& latch, Listener& listener)
      : loop_(loop), latch_(latch), listener_(listener) {}
  Dialer(const Dialer&) = delete;
  Dialer& operator=(const Dialer&) = delete;

  // Starts resolving `host` (brackets already stripped). With `proxy`, the
  // proxy is resolved and connected instead, and asked for a tunnel to
  // host:port (the name unresolved); the negotiation is a phase of its own.
  // An error here is returned, not reported.
  common::Status start(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout,
                       std::optional<Socks5Proxy> proxy = std::nullopt);

  // The phase's timer fired: resolution gives up; an attempt counts as timed
  // out and the next address is tried.
  void timed_out();

  // Stops everything (best effort for a lookup already running in the thread
  // pool: its callback still comes and finds nothing to do). No callback after.
  void cancel();

  struct Resolved;  // the libuv callbacks' view, defined in dialer.cpp

 private:
  struct AddrinfoDeleter {
    void operator()(addrinfo* list) const { uv_freeaddrinfo(list); }
  };
  using AddressList = std::unique_ptr<addrinfo, AddrinfoDeleter>;

  static void on_resolved(uv_getaddrinfo_t* req, int status, addrinfo* result);
  static void on_connect(uv_connect_t* req, int status);
  static void on_proxy_alloc(uv_handle_t* handle, std::size_t suggested, uv_buf_t* buf);
  static void on_proxy_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void on_proxy_write(uv_write_t* req, int status);

  common::Status resolve(const std::string& host, std::uint16_t port);
  void resolved(int status, AddressList list);
  void try_next_address();
  void all_attempts_failed();
  void attempt_failed(int status);
  void connected(int status);
  void report_failure(common::Error error);
  void negotiate();
  void proxy_received(ssize_t nread, std::string_view bytes);
  void proxy_failed(common::Error error);
  void write_to_proxy(std::string bytes);

  uv_loop_t* loop_;
  CloseLatch& latch_;
  Listener& listener_;
  uv_getaddrinfo_t resolve_req_{};
  Socket* socket_ = nullptr;  // the current attempt
  AddressList addresses_;
  const addrinfo* next_address_ = nullptr;
  std::vector<std::string> attempt_errors_;
  std::size_t attempts_timed_out_ = 0;
  std::string host_;
  std::string target_;  // "host:port" for messages
  std::chrono::milliseconds timeout_{60000};
  bool resolving_ = false;                // the request is in flight
  bool active_ = false;                   // between start() and the end (dialed, failed, cancelled)
  std::optional<Socks5Client> socks_;     // with a proxy, until the tunnel is open
  bool negotiating_ = false;              // connected to the proxy, waiting for its replies
  std::array<char, 512> proxy_buffer_{};  // a SOCKS5 reply is at most 262 bytes
};

}  // namespace net
