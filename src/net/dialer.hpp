#pragma once
// net::Dialer: the first half of a client connection. Resolves a host (name,
// IPv4 or IPv6 literal) with AF_UNSPEC and tries each address in resolver
// order (RFC 6724, by getaddrinfo) until one connects, then hands the
// connected socket to its Listener. net::Connection uses it; it is not meant
// to be used alone.
//
// Owns: the DNS request, and one Socket per attempt until it is handed over
// (libuv cannot reuse a handle whose connect failed). Never reads or writes.
// Each of them holds the owner's CloseLatch until its callback has run, so
// the owner outlives them. Never touches a timer: the owner times each
// phase and calls timed_out().
//
// Errors, through Listener::dial_failed, once, and nothing after it:
//   Io      "no address for host x", "cannot resolve host x: ...",
//           "connection refused by 127.0.0.1:1110", or, when every address
//           failed, "cannot connect to x:110: <each attempt's error>; ..."
//   Timeout "could not resolve x within 60s", "connection to ... timed out
//           after 60s" (when every attempt timed out)

#include <uv.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/result.hpp"
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
    virtual void dialed(Socket* socket) = 0;
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

  // Starts resolving `host` (brackets already stripped). An error here is
  // returned, not reported.
  common::Status start(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout);

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

  void resolved(int status, AddressList list);
  void try_next_address();
  void all_attempts_failed();
  void attempt_failed(int status);
  void connected(int status);

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
  bool resolving_ = false;  // the request is in flight
  bool active_ = false;     // between start() and the end (dialed, failed, cancelled)
};

}  // namespace net
