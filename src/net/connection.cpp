#include "net/connection.hpp"

#include <algorithm>
#include <array>
#include <exception>
#include <utility>

#include "common/log.hpp"
#include "net/address.hpp"
#include "net/dialer.hpp"
#include "net/tls_session.hpp"
#include "net/uv.hpp"

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

}  // namespace

// The libuv side of a Connection. Lives on after the Connection handle is
// destroyed until libuv is done with it: latch_ frees it.
class Connection::Core final : private Dialer::Listener {
 public:
  Core(uv_loop_t* loop, Handlers handlers)
      : loop_(loop),
        handlers_(std::move(handlers)),
        latch_([this] { delete this; }),
        dialer_(loop, latch_, *this) {
    uv_timer_init(loop_, &timer_);  // cannot fail
    timer_.data = this;
    latch_.hold();  // the timer
  }

  // ---- the API, called by the owner (possibly from inside a handler) ----

  void connect(std::string host, std::uint16_t port, std::chrono::milliseconds timeout,
               std::optional<TlsOptions> implicit_tls, std::optional<Socks5Proxy> proxy) {
    api([&] {
      if (phase_ != Phase::Idle) {
        fail(make_error(ErrorKind::Aborted, "connect() called on a connection already in use"));
        return;
      }
      host_ = std::string(strip_brackets(host));
      timeout_ = std::max(timeout, std::chrono::milliseconds(1));
      if (implicit_tls) {
        if (implicit_tls->host.empty()) implicit_tls->host = host_;
        auto session = TlsSession::create(*implicit_tls);
        if (!session) return fail(session.error());
        tls_.emplace(std::move(*session));
      }
      phase_ = Phase::Dialing;
      if (auto started = dialer_.start(host_, port, timeout_, std::move(proxy)); !started) fail(started.error());
    });
  }

  void start_tls(TlsOptions options) {
    api([&] {
      if (owner_ != Owner::Listening) return;
      if (phase_ != Phase::Open || tls_) {
        fail(make_error(ErrorKind::Tls, "start_tls() needs an open clear-text connection"));
        return;
      }
      if (options.host.empty()) options.host = host_;
      auto session = TlsSession::create(options);
      if (!session) return fail(session.error());
      tls_.emplace(std::move(*session));
      starttls_ = true;
      phase_ = Phase::Handshaking;
      restart_timer();
      drive_handshake();
    });
  }

  void write(std::string_view bytes) {
    api([&] {
      if (phase_ == Phase::Open) {
        restart_timer();  // a request: its reply gets the full timeout
        send(bytes);
      } else if (phase_ == Phase::Idle || phase_ == Phase::Dialing || phase_ == Phase::Handshaking) {
        pending_.append(bytes);
      }  // else closing or failed: ignored, as documented
    });
  }

  void close() {
    api([&] {
      if (owner_ != Owner::Listening) return;
      owner_ = Owner::Closed;
      if (phase_ != Phase::Open) return shutdown_handles();
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
        return shutdown_handles();
      }
      latch_.hold();    // the shutdown request
      restart_timer();  // bounds the drain: a server that never reads cannot hold us
    });
  }

  void abandon() {
    owner_ = Owner::Gone;
    // A graceful close already under way finishes by itself (bounded by the timer).
    if (phase_ != Phase::Closing) shutdown_handles();
    latch_.let_go();  // may free *this: last
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
  // Dialing: the Dialer's turn. Failing: an error found in an API call waits for the loop.
  enum class Phase { Idle, Dialing, Handshaking, Open, Closing, Failing, Closed };
  // Handlers run only while Listening. Closed: close() was called or the terminal event
  // delivered. Gone: the Connection was destroyed; the core frees itself once libuv is done.
  enum class Owner { Listening, Closed, Gone };

  struct WriteRequest {
    uv_write_t req;
    Core* core;
    std::string data;  // owned until libuv is done with it
  };

  // ---- entry points from libuv: no exception crosses them ----

  template <class Fn>
  void guarded(Fn&& fn) noexcept {
    try {
      fn();
    } catch (const std::exception& e) {
      internal_failure(e.what());
    } catch (...) {
      internal_failure("unknown exception");
    }
  }

  void enter(const std::function<void()>& step) noexcept override {
    CloseLatch::Busy busy(latch_);  // nothing frees *this before it is gone
    guarded(step);
  }

  // API calls never run a handler: failures found inside them are reported
  // from the loop (fail() defers while api_depth_ > 0).
  template <class Fn>
  void api(Fn&& fn) noexcept {
    ++api_depth_;
    guarded(fn);
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

  static Core* core_of(uv_handle_t* handle) {
    return static_cast<Core*>(static_cast<Socket*>(handle->data)->owner);
  }

  static void on_alloc(uv_handle_t* handle, std::size_t /*suggested*/, uv_buf_t* buf) {
    Core* core = core_of(handle);
    *buf = uv_buf_init(core->read_buffer_.data(), static_cast<unsigned>(core->read_buffer_.size()));
  }

  static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
    auto* socket = static_cast<Socket*>(stream->data);
    Core* core = core_of(reinterpret_cast<uv_handle_t*>(stream));
    core->enter([&] {
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
    core->enter([&] {
      core->fail(
          make_error(ErrorKind::Io, "writing to " + core->peer_ + " failed: " + uv_error_text(status)));
    });
  }

  static void on_shutdown(uv_shutdown_t* req, int /*status*/) {
    auto* core = static_cast<Core*>(req->data);
    delete req;
    core->enter([&] {
      core->latch_.release();
      if (core->phase_ == Phase::Closing) core->shutdown_handles();
    });
  }

  static void on_timer(uv_timer_t* timer) {
    auto* core = static_cast<Core*>(timer->data);
    core->enter([&] { core->timer_fired(); });
  }

  static void on_timer_closed(uv_handle_t* handle) { static_cast<Core*>(handle->data)->latch_.release(); }

  // ---- the Dialer's listener ----

  void dial_phase_started() override { restart_timer(); }

  void dial_failed(Error error) override { fail(std::move(error)); }

  void dialed(Socket* socket, std::string early_bytes) override {
    socket_ = socket;
    socket_->owner = this;
    peer_ = socket_->endpoint;
    const int read_status = uv_read_start(stream(), on_alloc, on_read);
    if (read_status < 0)
      return fail(make_error(ErrorKind::Io, "cannot read from " + peer_ + ": " + uv_error_text(read_status)));
    if (tls_) {
      phase_ = Phase::Handshaking;
      restart_timer();
      drive_handshake();
    } else {
      became_ready();
    }
    if (!early_bytes.empty()) received(early_bytes);  // the server's, after a proxy's reply
  }

  // ---- the open connection ----

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
    if (phase_ != Phase::Open || owner_ != Owner::Listening) return;
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
        } else if (owner_ == Owner::Listening && handlers_.on_data) {
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
    if (!plaintext->bytes.empty() && owner_ == Owner::Listening && handlers_.on_data) {
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
    const bool notify = owner_ == Owner::Listening;
    if (notify) owner_ = Owner::Closed;
    shutdown_handles();
    if (notify && handlers_.on_eof) handlers_.on_eof();
  }

  void read_failed(int status) {
    if (status == UV_ECONNRESET) {
      fail(make_error(ErrorKind::Io, "connection to " + peer_ + " reset by the server"));
    } else {
      fail(make_error(ErrorKind::Io, "reading from " + peer_ + " failed: " + uv_error_text(status)));
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
    if (phase_ == Phase::Dialing) return dialer_.timed_out();
    if (phase_ == Phase::Handshaking) {
      return fail(make_error(ErrorKind::Timeout,
                             "TLS handshake with " + peer_ + " did not complete within " + limit));
    }
    if (phase_ == Phase::Open)
      return fail(make_error(ErrorKind::Timeout, "no reply within " + limit + " from " + peer_));
    if (phase_ == Phase::Closing) shutdown_handles();  // the server stopped reading: give up on the drain
  }

  // ---- helpers ----

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
      fail(make_error(ErrorKind::Io, "writing to " + peer_ + " failed: " + uv_error_text(status)));
    }
  }

  // Terminal failure: close everything, then tell the owner (unless it closed
  // or went away). Inside an API call the report waits for the loop.
  void fail(Error error) {
    if (phase_ == Phase::Closed || phase_ == Phase::Failing) return;
    if (api_depth_ > 0 && owner_ == Owner::Listening) {
      deferred_error_ = std::move(error);
      shutdown_io();
      phase_ = Phase::Failing;
      uv_timer_start(&timer_, on_timer, 0, 0);
      return;
    }
    report(std::move(error));
  }

  void report(Error error) {
    const bool notify = owner_ == Owner::Listening;
    if (notify) owner_ = Owner::Closed;
    shutdown_handles();
    if (notify && handlers_.on_error) handlers_.on_error(std::move(error));
  }

  // Stops all I/O but keeps the timer (used while a deferred error waits).
  void shutdown_io() {
    dialer_.cancel();
    close_socket(std::exchange(socket_, nullptr));
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

  uv_loop_t* loop_;
  // Released with the core, never earlier: a handler may be running when the
  // owner lets go of the Connection.
  Handlers handlers_;
  CloseLatch latch_;  // holds: the timer, the socket, the DNS request, a shutdown request
  Dialer dialer_;
  uv_timer_t timer_{};
  Socket* socket_ = nullptr;  // once dialed
  std::optional<TlsSession> tls_;
  std::optional<Error> deferred_error_;
  std::string pending_;  // plaintext written before the connection (or TLS) was ready
  std::string host_;
  std::string peer_;
  std::chrono::milliseconds timeout_{60000};
  Phase phase_ = Phase::Idle;
  Owner owner_ = Owner::Listening;
  int api_depth_ = 0;  // API calls on the stack
  bool starttls_ = false;
  bool confirming_ = false;
  bool timer_closed_ = false;
  std::array<char, kReadBufferSize> read_buffer_{};
};

std::unique_ptr<Connection> Connection::create(uv_loop_t* loop, Handlers handlers) {
  return std::unique_ptr<Connection>(new Connection(new Core(loop, std::move(handlers))));
}

Connection::~Connection() { core_->abandon(); }

void Connection::connect(std::string host, std::uint16_t port, std::chrono::milliseconds timeout,
                         std::optional<TlsOptions> implicit_tls, std::optional<Socks5Proxy> proxy) {
  core_->connect(std::move(host), port, timeout, std::move(implicit_tls), std::move(proxy));
}
void Connection::start_tls(TlsOptions options) { core_->start_tls(std::move(options)); }
void Connection::write(std::string_view bytes) { core_->write(bytes); }
void Connection::close() { core_->close(); }
bool Connection::secure() const { return core_->secure(); }
std::string Connection::peer_address() const { return core_->peer_address(); }
std::optional<TlsInfo> Connection::tls_info() const { return core_->tls_info(); }
std::size_t Connection::write_queue_size() const { return core_->write_queue_size(); }

}  // namespace net
