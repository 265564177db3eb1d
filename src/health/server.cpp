#include "health/server.hpp"

#include <arpa/inet.h>
#include <sys/stat.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <functional>
#include <utility>

#include "common/log.hpp"

namespace health {
namespace {

constexpr int kBacklog = 128;
// A request is at most a few KiB (HttpRequestLimits); reading in pieces of
// this size keeps each connection's buffer small.
constexpr std::size_t kReadBufferSize = 4096;

common::Error uv_failure(const std::string& what, int code) {
  return common::make_error(common::ErrorKind::Io, what + ": " + uv_strerror(code));
}

void ignore_sigpipe_if_unhandled() {
  struct sigaction current {};
  if (::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
    std::signal(SIGPIPE, SIG_IGN);
  }
}

}  // namespace

// One connection: its pipe, its deadline timer and its request. Allocated on
// accept, it frees itself when the close callbacks of both handles have run,
// so it never depends on the server still being alive (detach()).
class HealthServer::Client {
 public:
  // Null when libuv cannot initialise the handles. (On Unix both inits only
  // fill in structs and cannot fail; if they did, the connection would stay
  // in the backlog, since accepting needs an initialised handle.)
  static Client* create(HealthServer& server) {
    auto* client = new Client(server);
    const int rc = server.tcp_listener_ ? uv_tcp_init(server.loop_, &client->stream_.tcp)
                                        : uv_pipe_init(server.loop_, &client->stream_.pipe, 0);
    if (rc != 0) {
      delete client;
      return nullptr;
    }
    client->open_handles_ = 1;
    if (uv_timer_init(server.loop_, &client->timer_) != 0) {
      client->close();
      return nullptr;
    }
    client->open_handles_ = 2;
    return client;
  }

  uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(&stream_); }

  void start() {
    const auto timeout = static_cast<std::uint64_t>(server_->limits_.client_timeout.count());
    if (uv_timer_start(&timer_, &Client::on_timeout, timeout, 0) != 0 ||
        uv_read_start(stream(), &Client::on_alloc, &Client::on_read) != 0) {
      close();
    }
  }

  // Over the connection limit: a best-effort answer without queuing anything
  // (uv_try_write never waits), then the door.
  void reject() {
    static const std::string kBusy = serialize(error_answer(503, "too many clients"));
    uv_buf_t buffer = uv_buf_init(const_cast<char*>(kBusy.data()), static_cast<unsigned>(kBusy.size()));
    (void)uv_try_write(stream(), &buffer, 1);
    close();
  }

  void detach() { server_ = nullptr; }

  void close() {
    if (closing_) return;
    closing_ = true;
    if (server_ != nullptr) server_->forget(this);
    // A pending write gets its callback (UV_ECANCELED) before the close
    // callback; both find the client still allocated.
    uv_close(reinterpret_cast<uv_handle_t*>(&stream_), &Client::on_close);
    if (open_handles_ == 2) uv_close(reinterpret_cast<uv_handle_t*>(&timer_), &Client::on_close);
  }

 private:
  explicit Client(HealthServer& server) : server_(&server), parser_(server.limits_.request) {
    stream_.pipe.data = this;  // the same uv_handle_t field in both members
    timer_.data = this;
    write_.data = this;
  }
  ~Client() = default;

  static void on_alloc(uv_handle_t* handle, std::size_t, uv_buf_t* buffer) {
    auto* self = static_cast<Client*>(handle->data);
    *buffer = uv_buf_init(self->buffer_.data(), static_cast<unsigned>(self->buffer_.size()));
  }

  static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buffer) {
    auto* self = static_cast<Client*>(stream->data);
    if (self->closing_ || self->server_ == nullptr) return;
    if (nread > 0) {
      self->handle(self->parser_.feed({buffer->base, static_cast<std::size_t>(nread)}));
    } else if (nread == UV_EOF) {
      // A connection that closes without a byte (a probe) deserves no answer;
      // one that stops mid-request gets its 400 on the still open half.
      if (self->parser_.empty()) {
        self->close();
      } else {
        self->handle(self->parser_.finish());
      }
    } else if (nread < 0) {
      self->close();
    }
  }

  void handle(HttpRequestParser::Progress progress) {
    switch (progress) {
      case HttpRequestParser::Progress::NeedMore:
        return;
      case HttpRequestParser::Progress::Complete:
        respond(answer_request(parser_.request(), server_->callbacks_, server_->routes_));
        return;
      case HttpRequestParser::Progress::Error:
        common::log_debug("", "health socket: bad request (" + std::to_string(parser_.error_status()) +
                                  "): " + parser_.error_reason());
        respond(error_answer(parser_.error_status(), parser_.error_reason()));
        return;
    }
  }

  void respond(HttpAnswer answer) {
    // The request is complete or hopeless: whatever else the client sends is
    // not read (and not buffered).
    uv_read_stop(stream());
    // Head and body as two buffers: the body is sent from where it was
    // rendered, never copied.
    response_ = serialize_head(answer);
    if (!answer.head) {
      body_ = std::move(answer.body);
      body_stream_ = std::move(answer.body_stream);
    }
    std::array<uv_buf_t, 2> buffers{uv_buf_init(response_.data(), static_cast<unsigned>(response_.size())),
                                    uv_buf_init(body_.data(), static_cast<unsigned>(body_.size()))};
    const unsigned count = body_.empty() ? 1 : 2;
    if (uv_write(&write_, stream(), buffers.data(), count, &Client::on_write) != 0) close();
  }

  // A streamed body goes out one piece at a time, each rendered into the same
  // buffer once the previous one is written; the last written, the door.
  static void on_write(uv_write_t* request, int status) {
    auto* self = static_cast<Client*>(request->data);
    if (status < 0 || !self->body_stream_ || self->closing_) {
      self->close();
      return;
    }
    self->body_.clear();
    if (!self->body_stream_(self->body_)) {
      self->close();
      return;
    }
    uv_buf_t piece = uv_buf_init(self->body_.data(), static_cast<unsigned>(self->body_.size()));
    if (uv_write(&self->write_, self->stream(), &piece, 1, &Client::on_write) != 0) self->close();
  }

  static void on_timeout(uv_timer_t* timer) {
    common::log_debug("", "health socket: dropping a client that took too long");
    static_cast<Client*>(timer->data)->close();
  }

  static void on_close(uv_handle_t* handle) {
    auto* self = static_cast<Client*>(handle->data);
    if (--self->open_handles_ == 0) delete self;
  }

  HealthServer* server_;  // null once the server stopped
  // The connection: a pipe from the Unix socket or a TCP stream from
  // metrics_listen. Both begin with uv_stream_t, which is all the rest uses.
  union Stream {
    uv_pipe_t pipe;
    uv_tcp_t tcp;
  } stream_{};
  uv_timer_t timer_{};
  uv_write_t write_{};
  int open_handles_ = 0;  // initialised handles whose close callback has not run
  bool closing_ = false;
  HttpRequestParser parser_;
  std::array<char, kReadBufferSize> buffer_{};
  std::string response_;  // the head; must outlive the write
  std::string body_;      // likewise (for a streamed body: the piece being written)
  std::function<bool(std::string&)> body_stream_;  // the rest of a streamed body
};

HealthServer::HealthServer(uv_loop_t* loop, HealthCallbacks callbacks, HealthServerLimits limits)
    : loop_(loop), callbacks_(std::move(callbacks)), limits_(limits) {}

HealthServer::~HealthServer() { stop(); }

uv_stream_t* HealthServer::listener() {
  if (tcp_listener_) return reinterpret_cast<uv_stream_t*>(tcp_listener_.get());
  return reinterpret_cast<uv_stream_t*>(pipe_listener_.get());
}

common::Status HealthServer::start(const std::string& path, const SocketAccess& access) {
  if (listening())
    return common::make_error(common::ErrorKind::Io, "the health socket is already listening on " + path_);
  if (auto prepared = prepare_socket_path(path); !prepared) return prepared;

  auto* raw = new uv_pipe_t{};
  if (const int rc = uv_pipe_init(loop_, raw, 0); rc != 0) {
    delete raw;
    return uv_failure("cannot create the health socket", rc);
  }
  UvHandlePtr<uv_pipe_t> pipe(raw);
  pipe->data = this;

  if (const int rc = uv_pipe_bind(pipe.get(), path.c_str()); rc != 0) {
    return uv_failure("cannot bind the health socket to " + path, rc);
  }
  const std::optional<FileIdentity> identity = identify_file(path);
  auto unbind = [&] {
    if (identity) remove_socket_file(path, *identity);
  };
  // Until listen() nobody can connect, so the umask's mode from bind() is
  // never usable; the group and mode are set before anyone can connect.
  if (common::Status set = apply_socket_access(path, access); !set) {
    unbind();
    return set;
  }
  if (const int rc =
          uv_listen(reinterpret_cast<uv_stream_t*>(pipe.get()), kBacklog, &HealthServer::on_connection);
      rc != 0) {
    unbind();
    return uv_failure("cannot listen on " + path, rc);
  }

  ignore_sigpipe_if_unhandled();
  pipe_listener_ = std::move(pipe);
  routes_ = Routes::All;
  path_ = path;
  socket_file_ = identity;
  common::log_info("", "health socket listening on " + path);
  return {};
}

common::Status HealthServer::start_tcp(const config::ListenAddress& address) {
  const std::string shown = address.host.find(':') == std::string::npos
                                ? address.host + ":" + std::to_string(address.port)
                                : "[" + address.host + "]:" + std::to_string(address.port);
  if (listening()) return common::make_error(common::ErrorKind::Io, "already listening on " + path_);
  sockaddr_storage storage{};
  const bool v6 = address.host.find(':') != std::string::npos;
  const int parsed = v6 ? uv_ip6_addr(address.host.c_str(), address.port, reinterpret_cast<sockaddr_in6*>(&storage))
                        : uv_ip4_addr(address.host.c_str(), address.port, reinterpret_cast<sockaddr_in*>(&storage));
  if (parsed != 0) {
    return common::make_error(common::ErrorKind::Config, "metrics_listen: not an IP address: " + address.host);
  }
  auto* raw = new uv_tcp_t{};
  if (const int rc = uv_tcp_init(loop_, raw); rc != 0) {
    delete raw;
    return uv_failure("cannot create the metrics listener", rc);
  }
  UvHandlePtr<uv_tcp_t> tcp(raw);
  tcp->data = this;
  // Without SO_REUSEADDR a restart would fail for a minute while old
  // connections sit in TIME_WAIT; libuv sets it on bind.
  if (const int rc = uv_tcp_bind(tcp.get(), reinterpret_cast<const sockaddr*>(&storage), 0); rc != 0) {
    return uv_failure("cannot listen on " + shown, rc);
  }
  if (const int rc = uv_listen(reinterpret_cast<uv_stream_t*>(tcp.get()), kBacklog, &HealthServer::on_connection);
      rc != 0) {
    return uv_failure("cannot listen on " + shown, rc);
  }
  ignore_sigpipe_if_unhandled();
  tcp_listener_ = std::move(tcp);
  routes_ = Routes::ReadOnly;
  path_ = shown;
  common::log_info("", "metrics listening on " + shown + " (GET /metrics, /health, /livez)");
  return {};
}

std::uint16_t HealthServer::port() const {
  if (!tcp_listener_) return 0;
  sockaddr_storage storage{};
  int length = sizeof(storage);
  if (uv_tcp_getsockname(tcp_listener_.get(), reinterpret_cast<sockaddr*>(&storage), &length) != 0) return 0;
  if (storage.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_port);
  return ntohs(reinterpret_cast<const sockaddr_in*>(&storage)->sin_port);
}

void HealthServer::stop() {
  tcp_listener_.reset();
  if (pipe_listener_) {
    pipe_listener_.reset();
    if (socket_file_) remove_socket_file(path_, *socket_file_);
    socket_file_.reset();
  }
  for (Client* client : std::exchange(clients_, {})) {
    client->detach();
    client->close();
  }
}

void HealthServer::on_connection(uv_stream_t* listener, int status) {
  auto* self = static_cast<HealthServer*>(listener->data);
  if (status < 0) {
    common::log_warn("", std::string("health socket: accepting failed: ") + uv_strerror(status));
    return;
  }
  self->accept_client();
}

void HealthServer::accept_client() {
  Client* client = Client::create(*this);
  if (client == nullptr) {
    common::log_error("", "health socket: cannot allocate a connection");
    return;
  }
  if (uv_accept(listener(), client->stream()) != 0) {
    client->detach();
    client->close();
    return;
  }
  if (clients_.size() >= limits_.max_clients) {
    client->detach();
    client->reject();
    return;
  }
  clients_.insert(client);
  client->start();
}

}  // namespace health
