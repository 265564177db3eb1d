#include "net/connection.hpp"

#include <algorithm>
#include <array>
#include <exception>
#include <utility>
#include <vector>

#include "common/log.hpp"
#include "net/address.hpp"
#include "net/tls_session.hpp"

namespace net {

using common::Error;
using common::ErrorKind;
using common::make_error;

namespace {

// One read's worth: bounds what on_data gets at once and what TLS holds.
constexpr std::size_t kReadBufferSize = 64 * 1024;

// Before reporting a timeout we poll I/O once more: when the loop was blocked
// (a long SQLite commit in another handler), the timer fires before the reply
// already waiting in the socket is read. 1 ms, not 0: libuv < 1.45 would run a
// 0 ms timer again in the same pass, before any I/O.
constexpr std::uint64_t kConfirmDelayMs = 1;

std::string uv_text(int status) { return uv_strerror(status); }

struct AddrinfoDeleter {
  void operator()(addrinfo* list) const { uv_freeaddrinfo(list); }
};

}  // namespace

class Connection::Core {
 public:
  Core(uv_loop_t* loop, Handlers handlers) : loop_(loop), handlers_(std::move(handlers)) {
    uv_timer_init(loop_, &timer_);  // cannot fail
    timer_.data = this;
    live_ = 1;
    resolve_req_.data = this;
  }
  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;

  // ---- the API, called by the owner (possibly from inside a handler) ----

  void connect(std::string host, std::uint16_t port, std::chrono::milliseconds timeout,
               std::optional<TlsOptions> implicit_tls) {
    api([&] {
      if (phase_ != Phase::Idle) {
        fail(make_error(ErrorKind::Aborted, "connect() called on a connection already in use"));
        return;
      }
      host_ = std::string(strip_brackets(host));
      port_ = port;
      timeout_ = std::max(timeout, std::chrono::milliseconds(1));
      target_ = format_host_port(host_, port_);
      if (implicit_tls) {
        if (implicit_tls->host.empty()) implicit_tls->host = host_;
        auto session = TlsSession::create(*implicit_tls);
        if (!session) {
          fail(session.error());
          return;
        }
        tls_.emplace(std::move(*session));
      }
      phase_ = Phase::Resolving;
      restart_timer();
      addrinfo hints{};
      hints.ai_family = AF_UNSPEC;
      hints.ai_socktype = SOCK_STREAM;
      hints.ai_protocol = IPPROTO_TCP;
      hints.ai_flags = AI_NUMERICSERV;
      const std::string service = std::to_string(port_);
      const int status =
          uv_getaddrinfo(loop_, &resolve_req_, on_resolved, host_.c_str(), service.c_str(), &hints);
      if (status < 0) {
        fail(make_error(ErrorKind::Io, "cannot resolve host " + host_ + ": " + uv_text(status)));
        return;
      }
      resolving_ = true;
      ++live_;
    });
  }

  void start_tls(TlsOptions options) {
    api([&] {
      if (quiet()) return;
      if (phase_ != Phase::Open || tls_) {
        fail(make_error(ErrorKind::Tls, "start_tls() needs an open clear-text connection"));
        return;
      }
      if (options.host.empty()) options.host = host_;
      auto session = TlsSession::create(options);
      if (!session) {
        fail(session.error());
        return;
      }
      tls_.emplace(std::move(*session));
      starttls_ = true;
      phase_ = Phase::Handshaking;
      restart_timer();
      drive_handshake();
    });
  }

  void write(std::string_view bytes) {
    api([&] {
      switch (phase_) {
        case Phase::Idle:
        case Phase::Resolving:
        case Phase::Connecting:
        case Phase::Handshaking:
          pending_.append(bytes);
          return;
        case Phase::Open:
          restart_timer();  // a request: its reply gets the full timeout
          send(bytes);
          return;
        case Phase::Closing:
        case Phase::Failing:
        case Phase::Closed:
          return;  // documented: ignored once closing or failed
      }
    });
  }

  void close() {
    api([&] {
      if (user_closed_) return;
      user_closed_ = true;
      if (phase_ != Phase::Open) {
        shutdown_handles();
        return;
      }
      // Graceful: close_notify, drain the write queue, FIN, then close.
      phase_ = Phase::Closing;
      uv_read_stop(stream());
      if (tls_) {
        tls_->close_notify();
        flush_ciphertext();
        if (phase_ != Phase::Closing) return;
      }
      auto* request = new uv_shutdown_t;
      request->data = this;
      if (uv_shutdown(request, stream(), on_shutdown) < 0) {
        delete request;
        shutdown_handles();
        return;
      }
      restart_timer();  // bounds the drain: a server that never reads cannot hold us
    });
  }

  void abandon() {
    abandoned_ = true;
    // A graceful close already under way finishes by itself (bounded by the timer).
    if (phase_ != Phase::Closing) shutdown_handles();
    maybe_delete();
  }

  bool secure() const { return tls_ && tls_->handshake_done(); }
  std::string peer_address() const { return peer_; }
  std::optional<TlsInfo> tls_info() const {
    if (!tls_ || !tls_->handshake_done()) return std::nullopt;
    return tls_->info();
  }
  std::size_t write_queue_size() const {
    return pending_.size() + (socket_ ? uv_stream_get_write_queue_size(stream()) : 0);
  }

 private:
  enum class Phase { Idle, Resolving, Connecting, Handshaking, Open, Closing, Failing, Closed };

  // One connection attempt: a fresh handle per address, as libuv cannot
  // reuse a handle whose connect failed.
  struct Socket {
    uv_tcp_t tcp;
    uv_connect_t connect;
    Core* core;
    std::string endpoint;  // "127.0.0.1:110"
  };

  struct WriteRequest {
    uv_write_t req;
    Core* core;
    std::string data;  // owned until libuv is done with it
  };

  // ---- entry points from libuv: no exception crosses them ----

  template <class Fn>
  static void enter(Core* core, Fn&& fn) noexcept {
    ++core->depth_;
    try {
      fn();
    } catch (const std::exception& e) {
      core->internal_failure(e.what());
    } catch (...) {
      core->internal_failure("unknown exception");
    }
    --core->depth_;
    core->maybe_delete();
  }

  // API calls never run a handler: failures found inside them are reported
  // from the loop (fail() defers while api_depth_ > 0).
  template <class Fn>
  void api(Fn&& fn) noexcept {
    ++api_depth_;
    try {
      fn();
    } catch (const std::exception& e) {
      internal_failure(e.what());
    } catch (...) {
      internal_failure("unknown exception");
    }
    --api_depth_;
  }

  void internal_failure(const char* what) noexcept {
    try {
      common::log_error({}, std::string("net: internal error: ") + what);
      fail(make_error(ErrorKind::Aborted, std::string("internal error: ") + what));
    } catch (...) {
      shutdown_handles();
    }
  }

  static void on_resolved(uv_getaddrinfo_t* req, int status, addrinfo* result) {
    auto* core = static_cast<Core*>(req->data);
    std::unique_ptr<addrinfo, AddrinfoDeleter> list(result);
    enter(core, [&] {
      --core->live_;
      core->resolving_ = false;
      if (core->phase_ == Phase::Resolving) core->resolved(status, std::move(list));
    });
  }

  static void on_connect(uv_connect_t* req, int status) {
    auto* socket = static_cast<Socket*>(req->data);
    Core* core = socket->core;
    enter(core, [&] {
      // A stale attempt (timed out, or the connection was closed) reports here
      // with UV_ECANCELED after its handle was closed: nothing to do.
      if (socket != core->socket_ || core->phase_ != Phase::Connecting) return;
      core->connected(status);
    });
  }

  static void on_alloc(uv_handle_t* handle, std::size_t /*suggested*/, uv_buf_t* buf) {
    auto* core = static_cast<Socket*>(handle->data)->core;
    *buf = uv_buf_init(core->read_buffer_.data(), static_cast<unsigned>(core->read_buffer_.size()));
  }

  static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
    auto* socket = static_cast<Socket*>(stream->data);
    Core* core = socket->core;
    enter(core, [&] {
      if (socket != core->socket_ || nread == 0) return;
      if (nread == UV_EOF) {
        core->peer_closed();
      } else if (nread < 0) {
        core->read_failed(static_cast<int>(nread));
      } else {
        core->received(std::string_view(buf->base, static_cast<std::size_t>(nread)));
      }
    });
  }

  static void on_write(uv_write_t* req, int status) {
    auto* request = static_cast<WriteRequest*>(req->data);
    Core* core = request->core;
    delete request;
    if (status == 0 || status == UV_ECANCELED) return;
    enter(core, [&] {
      core->fail(make_error(ErrorKind::Io, "writing to " + core->peer_ + " failed: " + uv_text(status)));
    });
  }

  static void on_shutdown(uv_shutdown_t* req, int /*status*/) {
    auto* core = static_cast<Core*>(req->data);
    delete req;
    enter(core, [&] {
      if (core->phase_ == Phase::Closing) core->shutdown_handles();
    });
  }

  static void on_timer(uv_timer_t* timer) {
    auto* core = static_cast<Core*>(timer->data);
    enter(core, [&] { core->timer_fired(); });
  }

  static void on_timer_closed(uv_handle_t* handle) {
    auto* core = static_cast<Core*>(handle->data);
    enter(core, [&] { --core->live_; });
  }

  static void on_socket_closed(uv_handle_t* handle) {
    auto* socket = static_cast<Socket*>(handle->data);
    Core* core = socket->core;
    delete socket;
    enter(core, [&] { --core->live_; });
  }

  // ---- the connection's life ----

  void resolved(int status, std::unique_ptr<addrinfo, AddrinfoDeleter> list) {
    if (status == UV_EAI_NONAME || status == UV_EAI_NODATA || (status == 0 && list == nullptr)) {
      fail(make_error(ErrorKind::Io, "no address for host " + host_));
      return;
    }
    if (status < 0) {
      fail(make_error(ErrorKind::Io, "cannot resolve host " + host_ + ": " + uv_text(status)));
      return;
    }
    addresses_ = std::move(list);
    next_address_ = addresses_.get();
    phase_ = Phase::Connecting;
    try_next_address();
  }

  // Tries the addresses in resolver order (RFC 6724 sorting by getaddrinfo)
  // until one connects; each attempt gets the full timeout.
  void try_next_address() {
    while (next_address_ != nullptr) {
      const addrinfo* address = next_address_;
      next_address_ = next_address_->ai_next;
      if (address->ai_family != AF_INET && address->ai_family != AF_INET6) continue;

      auto* socket = new Socket{};
      socket->core = this;
      socket->endpoint = format_endpoint(address->ai_addr);
      uv_tcp_init(loop_, &socket->tcp);  // cannot fail for AF_UNSPEC
      socket->tcp.data = socket;
      socket->connect.data = socket;
      ++live_;
      socket_ = socket;
      const int status = uv_tcp_connect(&socket->connect, &socket->tcp, address->ai_addr, on_connect);
      if (status < 0) {
        attempt_failed(status);
        continue;
      }
      restart_timer();
      return;
    }
    addresses_.reset();
    const bool only_timeouts = attempts_timed_out_ == attempt_errors_.size() && !attempt_errors_.empty();
    std::string message;
    if (attempt_errors_.size() == 1) {
      message = attempt_errors_.front();
    } else if (attempt_errors_.empty()) {
      message = "no usable address for host " + host_;
    } else {
      message = "cannot connect to " + target_ + ": ";
      for (std::size_t i = 0; i < attempt_errors_.size(); ++i) {
        if (i > 0) message += "; ";
        message += attempt_errors_[i];
      }
    }
    fail(make_error(only_timeouts ? ErrorKind::Timeout : ErrorKind::Io, std::move(message)));
  }

  // Records why the current attempt failed and closes its handle.
  void attempt_failed(int status) {
    const std::string& endpoint = socket_->endpoint;
    if (status == UV_ETIMEDOUT) {
      attempt_errors_.push_back("connection to " + endpoint + " timed out after " +
                                format_duration(timeout_));
      ++attempts_timed_out_;
    } else if (status == UV_ECONNREFUSED) {
      attempt_errors_.push_back("connection refused by " + endpoint);
    } else {
      attempt_errors_.push_back("cannot connect to " + endpoint + ": " + uv_text(status));
    }
    close_socket();
  }

  void connected(int status) {
    if (status < 0) {
      attempt_failed(status);
      try_next_address();
      return;
    }
    addresses_.reset();
    next_address_ = nullptr;
    peer_ = socket_->endpoint;
    const int read_status = uv_read_start(stream(), on_alloc, on_read);
    if (read_status < 0) {
      fail(make_error(ErrorKind::Io, "cannot read from " + peer_ + ": " + uv_text(read_status)));
      return;
    }
    if (tls_) {
      phase_ = Phase::Handshaking;
      restart_timer();
      drive_handshake();
      return;
    }
    became_ready();
  }

  void drive_handshake() {
    auto step = tls_->handshake();
    flush_ciphertext();
    if (phase_ != Phase::Handshaking) return;
    if (!step) {
      fail(make_error(step.error().kind, "TLS handshake with " + peer_ + " failed: " + step.error().message));
      return;
    }
    if (*step == TlsSession::Handshake::NeedMore) return;
    became_ready();
    if (phase_ == Phase::Open) deliver_plaintext();  // data may have come with the last flight
  }

  // TCP is up (and TLS, when asked for): send what was held back, tell the owner.
  void became_ready() {
    phase_ = Phase::Open;
    restart_timer();
    if (!pending_.empty()) send(std::exchange(pending_, std::string()));
    if (phase_ != Phase::Open || quiet()) return;
    if (starttls_) {
      if (handlers_.on_tls_ready) handlers_.on_tls_ready();
    } else {
      if (handlers_.on_connected) handlers_.on_connected();
    }
  }

  void received(std::string_view bytes) {
    switch (phase_) {
      case Phase::Handshaking:
        // The handshake deadline is total: bytes do not extend it.
        tls_->feed_ciphertext(bytes);
        drive_handshake();
        return;
      case Phase::Open:
        restart_timer();
        if (tls_) {
          tls_->feed_ciphertext(bytes);
          deliver_plaintext();
        } else if (!quiet() && handlers_.on_data) {
          handlers_.on_data(bytes);
        }
        return;
      default:
        return;
    }
  }

  void deliver_plaintext() {
    auto plaintext = tls_->read_plaintext();
    flush_ciphertext();
    if (phase_ != Phase::Open) return;
    if (!plaintext) {
      fail(make_error(plaintext.error().kind, "TLS with " + peer_ + ": " + plaintext.error().message));
      return;
    }
    if (!plaintext->bytes.empty() && !quiet() && handlers_.on_data) {
      handlers_.on_data(plaintext->bytes);
      if (phase_ != Phase::Open) return;
    }
    if (plaintext->closed) peer_closed();
  }

  // The server closed its side (TCP FIN, or close_notify under TLS). A FIN
  // without close_notify is reported the same way: POP3's own framing tells a
  // truncated reply from a finished one, and many servers skip close_notify.
  void peer_closed() {
    if (phase_ == Phase::Handshaking) {
      fail(make_error(ErrorKind::Tls, "connection closed by " + peer_ + " during the TLS handshake"));
      return;
    }
    if (phase_ != Phase::Open) return;
    const bool notify = !quiet();
    terminal_ = true;
    shutdown_handles();
    if (notify && handlers_.on_eof) handlers_.on_eof();
  }

  void read_failed(int status) {
    if (status == UV_ECONNRESET) {
      fail(make_error(ErrorKind::Io, "connection to " + peer_ + " reset by the server"));
    } else {
      fail(make_error(ErrorKind::Io, "reading from " + peer_ + " failed: " + uv_text(status)));
    }
  }

  void timer_fired() {
    if (phase_ == Phase::Failing) {
      Error error = std::move(*deferred_error_);
      deferred_error_.reset();
      phase_ = Phase::Closed;  // so that fail() below is not deferred again
      report(std::move(error));
      return;
    }
    if (!confirming_) {
      confirming_ = true;
      uv_timer_start(&timer_, on_timer, kConfirmDelayMs, 0);
      return;
    }
    confirming_ = false;
    const std::string limit = format_duration(timeout_);
    switch (phase_) {
      case Phase::Resolving:
        fail(make_error(ErrorKind::Timeout, "could not resolve " + host_ + " within " + limit));
        return;
      case Phase::Connecting:
        attempt_failed(UV_ETIMEDOUT);
        try_next_address();
        return;
      case Phase::Handshaking:
        fail(make_error(ErrorKind::Timeout,
                        "TLS handshake with " + peer_ + " did not complete within " + limit));
        return;
      case Phase::Open:
        fail(make_error(ErrorKind::Timeout, "no reply within " + limit + " from " + peer_));
        return;
      case Phase::Closing:
        shutdown_handles();  // the server stopped reading: give up on the drain
        return;
      default:
        return;
    }
  }

  // ---- helpers ----

  bool quiet() const { return user_closed_ || abandoned_ || terminal_; }

  uv_stream_t* stream() const { return reinterpret_cast<uv_stream_t*>(&socket_->tcp); }

  void restart_timer() {
    if (phase_ == Phase::Closed || phase_ == Phase::Failing) return;
    confirming_ = false;
    // The loop's clock is only updated per iteration; a handler that ran long
    // would otherwise start the timer in the past.
    uv_update_time(loop_);
    uv_timer_start(&timer_, on_timer, static_cast<std::uint64_t>(timeout_.count()), 0);
  }

  void send(std::string_view plaintext) {
    if (tls_) {
      if (auto written = tls_->write(plaintext); !written) {
        fail(make_error(written.error().kind, "TLS with " + peer_ + ": " + written.error().message));
        return;
      }
      flush_ciphertext();
    } else {
      queue_write(std::string(plaintext));
    }
  }

  void flush_ciphertext() {
    if (tls_ && tls_->has_ciphertext() && socket_ != nullptr) queue_write(tls_->take_ciphertext());
  }

  void queue_write(std::string data) {
    if (data.empty()) return;
    auto* request = new WriteRequest{};
    request->data = std::move(data);
    request->req.data = request;
    request->core = this;
    const uv_buf_t buf = uv_buf_init(request->data.data(), static_cast<unsigned>(request->data.size()));
    const int status = uv_write(&request->req, stream(), &buf, 1, on_write);
    if (status < 0) {
      delete request;
      fail(make_error(ErrorKind::Io, "writing to " + peer_ + " failed: " + uv_text(status)));
    }
  }

  // Terminal failure: close everything, then tell the owner (unless it closed
  // or went away). Inside an API call the report waits for the loop.
  void fail(Error error) {
    if (phase_ == Phase::Closed || phase_ == Phase::Failing) return;
    if (api_depth_ > 0 && !quiet()) {
      deferred_error_ = std::move(error);
      shutdown_io();
      phase_ = Phase::Failing;
      uv_timer_start(&timer_, on_timer, 0, 0);
      return;
    }
    report(std::move(error));
  }

  void report(Error error) {
    const bool notify = !quiet();
    terminal_ = true;
    shutdown_handles();
    if (notify && handlers_.on_error) handlers_.on_error(std::move(error));
  }

  // Stops all I/O but keeps the timer (used while a deferred error waits).
  void shutdown_io() {
    // Best effort: a lookup already running in the thread pool cannot be
    // cancelled; its callback still comes and finds us no longer resolving.
    if (resolving_) uv_cancel(reinterpret_cast<uv_req_t*>(&resolve_req_));
    close_socket();
    addresses_.reset();
    next_address_ = nullptr;
  }

  void shutdown_handles() {
    if (phase_ == Phase::Closed && timer_closed_) return;
    shutdown_io();
    deferred_error_.reset();
    phase_ = Phase::Closed;
    if (!timer_closed_) {
      timer_closed_ = true;
      uv_timer_stop(&timer_);
      uv_close(reinterpret_cast<uv_handle_t*>(&timer_), on_timer_closed);
    }
  }

  void close_socket() {
    if (socket_ == nullptr) return;
    uv_close(reinterpret_cast<uv_handle_t*>(&socket_->tcp), on_socket_closed);
    socket_ = nullptr;
  }

  void maybe_delete() {
    if (abandoned_ && depth_ == 0 && api_depth_ == 0 && live_ == 0) delete this;
  }

  uv_loop_t* loop_;
  // Released with the core, never earlier: a handler may be running when the
  // owner lets go of the Connection.
  Handlers handlers_;
  uv_timer_t timer_{};
  uv_getaddrinfo_t resolve_req_{};
  Socket* socket_ = nullptr;  // the current attempt / the connection
  std::unique_ptr<addrinfo, AddrinfoDeleter> addresses_;
  const addrinfo* next_address_ = nullptr;
  std::optional<TlsSession> tls_;
  std::optional<Error> deferred_error_;
  std::string pending_;  // plaintext written before the connection (or TLS) was ready
  std::vector<std::string> attempt_errors_;
  std::size_t attempts_timed_out_ = 0;
  std::string host_;
  std::string target_;  // "host:port" for messages
  std::string peer_;
  std::chrono::milliseconds timeout_{60000};
  std::uint16_t port_ = 0;
  Phase phase_ = Phase::Idle;
  int live_ = 0;       // open handles + the DNS request in flight
  int depth_ = 0;      // libuv callbacks on the stack
  int api_depth_ = 0;  // API calls on the stack
  bool resolving_ = false;
  bool starttls_ = false;
  bool confirming_ = false;
  bool timer_closed_ = false;
  bool user_closed_ = false;
  bool abandoned_ = false;
  bool terminal_ = false;
  std::array<char, kReadBufferSize> read_buffer_{};
};

std::unique_ptr<Connection> Connection::create(uv_loop_t* loop, Handlers handlers) {
  return std::unique_ptr<Connection>(new Connection(new Core(loop, std::move(handlers))));
}

Connection::~Connection() { core_->abandon(); }

void Connection::connect(std::string host, std::uint16_t port, std::chrono::milliseconds timeout,
                         std::optional<TlsOptions> implicit_tls) {
  core_->connect(std::move(host), port, timeout, std::move(implicit_tls));
}
void Connection::start_tls(TlsOptions options) { core_->start_tls(std::move(options)); }
void Connection::write(std::string_view bytes) { core_->write(bytes); }
void Connection::close() { core_->close(); }
bool Connection::secure() const { return core_->secure(); }
std::string Connection::peer_address() const { return core_->peer_address(); }
std::optional<TlsInfo> Connection::tls_info() const { return core_->tls_info(); }
std::size_t Connection::write_queue_size() const { return core_->write_queue_size(); }

}  // namespace net
