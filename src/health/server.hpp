#pragma once
// HealthServer: HTTP/1.1 on a Unix socket (DESIGN.md §4) on the daemon's
// libuv loop, so `curl --unix-socket PATH http://localhost/health` works;
// or, started with start_tcp() (metrics_listen), on a TCP port with only the
// read-only routes (Routes::ReadOnly: GET /metrics, /health, /livez), so
// Prometheus can scrape it.
//
// Owns the listening pipe or TCP handle, every client connection and its
// timer, and the socket file it created (mode 0660 unless told otherwise;
// removed again by stop()). Never touches
// its owner's state except through the HealthCallbacks, which it calls on
// the loop thread. Routes are in routes.hpp.
//
// One request per connection: the answer carries "Connection: close" and the
// connection is closed once it is written. Nothing blocks the loop: reads and
// writes are non-blocking, at most max_clients connections are open (more are
// answered 503 at once and closed), and a client that has not got its answer
// within client_timeout — a slow or stuck one — is dropped.
//
// Lifetime: libuv frees handles only in close callbacks, so after stop() (or
// the destructor) the owner runs the loop until it is idle. Not thread-safe:
// everything happens on the loop thread.
//
// start() errors: Config (unusable path, unknown group), Io (directory, stale
// or live socket, bind, chown, chmod or listen failed). start_tcp() errors:
// Config (not an IP literal), Io (bind or listen failed: the port is taken).

#include <uv.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>

#include "common/result.hpp"
#include "config/config.hpp"
#include "net/uv.hpp"
#include "health/http_request.hpp"
#include "health/routes.hpp"
#include "health/unix_socket_file.hpp"

namespace health {

// The handle pointer still lives with the daemon (header only); the health
// library uses it, and nothing else from there.
using net::UvHandlePtr;

struct HealthServerLimits {
  // Each connection costs a few KiB; more than this at once is not a
  // monitoring system but a flood.
  std::size_t max_clients = 128;
  // From accept to the answer written: a client gets this long to send its
  // request and read the answer.
  std::chrono::milliseconds client_timeout{10'000};
  HttpRequestLimits request;
};

class HealthServer {
 public:
  HealthServer(uv_loop_t* loop, HealthCallbacks callbacks, HealthServerLimits limits = {});
  ~HealthServer();  // stop()
  HealthServer(const HealthServer&) = delete;
  HealthServer& operator=(const HealthServer&) = delete;

  // Prepares the path (parent directory 0750, stale socket replaced, live one
  // refused), binds, sets the group and mode of `access` (0660 by default)
  // and listens. Also makes the process ignore
  // SIGPIPE if nobody handles it: libuv writes with write(2), and a client
  // hanging up before reading its answer must not kill the daemon.
  common::Status start(const std::string& path, const SocketAccess& access = {});
  // Listens on TCP at `address` with the read-only routes only. Port 0 picks
  // a free port (tests; see port()). SIGPIPE as for start().
  common::Status start_tcp(const config::ListenAddress& address);
  // The TCP port listened on; 0 when not listening on TCP.
  std::uint16_t port() const;
  // Closes the listener and every client and removes the socket file. Safe to
  // call more than once.
  void stop();

  bool listening() const { return pipe_listener_ != nullptr || tcp_listener_ != nullptr; }
  std::size_t client_count() const { return clients_.size(); }

 private:
  class Client;
  friend class Client;

  static void on_connection(uv_stream_t* listener, int status);
  void accept_client();
  void forget(Client* client) { clients_.erase(client); }
  uv_stream_t* listener();

  uv_loop_t* loop_;
  HealthCallbacks callbacks_;
  HealthServerLimits limits_;
  UvHandlePtr<uv_pipe_t> pipe_listener_;
  UvHandlePtr<uv_tcp_t> tcp_listener_;
  Routes routes_ = Routes::All;  // ReadOnly on TCP
  std::string path_;
  std::optional<FileIdentity> socket_file_;
  std::unordered_set<Client*> clients_;  // open connections; each frees itself once closed
};

}  // namespace health
