// LmtpStream over a unix socket (own code) or TCP (net::Connection).
#include "deliver/lmtp_stream.hpp"

#include <sys/un.h>

#include <charconv>
#include <utility>

#include "net/uv.hpp"

namespace deliver {
namespace {

class TcpStream final : public LmtpStream {
 public:
  TcpStream(uv_loop_t* loop, const LmtpAddress& address, std::chrono::milliseconds timeout, Handlers handlers)
      : connection_(net::Connection::create(loop, std::move(handlers))) {
    connection_->connect(address.host, address.port, timeout, std::nullopt);
  }
  void write(std::string_view bytes) override { connection_->write(bytes); }
  void close() override { connection_->close(); }

 private:
  std::unique_ptr<net::Connection> connection_;
};

// The libuv side of a unix socket stream: outlives the UnixStream handle
// until every callback has run (CloseLatch), so the handle may go at any time.
class UnixCore {
 public:
  UnixCore(uv_loop_t* loop, std::string path, LmtpStream::Handlers handlers)
      : path_(std::move(path)), handlers_(std::move(handlers)) {
    uv_pipe_init(loop, &pipe_, 0);
    pipe_.data = this;
    latch_.hold();  // the pipe, until its close callback
  }

  void connect() {
    connect_.data = this;
    latch_.hold();
    uv_pipe_connect(&connect_, &pipe_, path_.c_str(), [](uv_connect_t* req, int status) {
      auto* core = static_cast<UnixCore*>(req->data);
      net::CloseLatch::Busy busy(core->latch_);
      core->latch_.release();
      core->connected(status);
    });
  }

  void write(std::string_view bytes) {
    if (closing_ || bytes.empty()) return;
    auto* request = new WriteRequest{{}, std::string(bytes), this};
    request->req.data = request;
    uv_buf_t buf = uv_buf_init(request->bytes.data(), static_cast<unsigned>(request->bytes.size()));
    latch_.hold();
    const int rc = uv_write(&request->req, stream(), &buf, 1, [](uv_write_t* req, int status) {
      std::unique_ptr<WriteRequest> done(static_cast<WriteRequest*>(req->data));
      UnixCore* core = done->core;
      net::CloseLatch::Busy busy(core->latch_);
      core->latch_.release();
      if (status < 0 && status != UV_ECANCELED) core->fail("writing to unix:" + core->path_, status);
    });
    if (rc < 0) {
      delete request;
      latch_.release();
      fail("writing to unix:" + path_, rc);
    }
  }

  // No handler runs again; writes still queued are cancelled.
  void close() {
    if (!closing_) {
      closing_ = true;
      uv_close(reinterpret_cast<uv_handle_t*>(&pipe_),
               [](uv_handle_t* h) { static_cast<UnixCore*>(h->data)->latch_.release(); });
    }
  }

  void let_go() {
    close();
    latch_.let_go();
  }

 private:
  struct WriteRequest {
    uv_write_t req;
    std::string bytes;
    UnixCore* core;
  };

  uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(&pipe_); }

  void connected(int status) {
    if (closing_) return;
    if (status < 0) return fail("cannot connect to unix:" + path_, status);
    uv_read_start(
        stream(),
        [](uv_handle_t* h, std::size_t, uv_buf_t* b) {
          auto* core = static_cast<UnixCore*>(h->data);
          *b = uv_buf_init(core->buffer_, sizeof core->buffer_);
        },
        [](uv_stream_t* s, ssize_t n, const uv_buf_t* b) {
          auto* core = static_cast<UnixCore*>(s->data);
          net::CloseLatch::Busy busy(core->latch_);
          core->read(n, b);
        });
    if (handlers_.on_connected) handlers_.on_connected();
  }

  void read(ssize_t n, const uv_buf_t* buf) {
    if (closing_ || n == 0) return;
    if (n > 0) {
      if (handlers_.on_data) handlers_.on_data(std::string_view(buf->base, static_cast<std::size_t>(n)));
      return;
    }
    if (n == UV_EOF) {
      close();
      if (handlers_.on_eof) handlers_.on_eof();
      return;
    }
    fail("reading from unix:" + path_, static_cast<int>(n));
  }

  void fail(const std::string& what, int status) {
    if (closing_) return;
    close();
    if (handlers_.on_error)
      handlers_.on_error(common::make_error(common::ErrorKind::Io, what + ": " + net::uv_error_text(status)));
  }

  net::CloseLatch latch_{[this] { delete this; }};
  std::string path_;
  LmtpStream::Handlers handlers_;
  uv_pipe_t pipe_{};
  uv_connect_t connect_{};
  char buffer_[16 * 1024];
  bool closing_ = false;
};

class UnixStream final : public LmtpStream {
 public:
  UnixStream(uv_loop_t* loop, const LmtpAddress& address, Handlers handlers)
      : core_(new UnixCore(loop, address.path, std::move(handlers))) {
    core_->connect();
  }
  ~UnixStream() override { core_->let_go(); }
  UnixStream(const UnixStream&) = delete;
  UnixStream& operator=(const UnixStream&) = delete;

  void write(std::string_view bytes) override { core_->write(bytes); }
  void close() override { core_->close(); }

 private:
  UnixCore* core_;
};

}  // namespace

std::optional<LmtpAddress> parse_lmtp_address(std::string_view address) {
  LmtpAddress parsed;
  if (address.starts_with("unix:")) {
    parsed.unix_socket = true;
    parsed.path = std::string(address.substr(5));
    if (parsed.path.empty() || parsed.path.size() >= sizeof(sockaddr_un{}.sun_path)) return std::nullopt;
    return parsed;
  }
  const auto colon = address.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view host = address.substr(0, colon);
  const std::string_view port = address.substr(colon + 1);
  if (host.starts_with('[')) {
    if (!host.ends_with(']')) return std::nullopt;
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return std::nullopt;  // an IPv6 literal needs its brackets
  }
  unsigned value = 0;
  const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (host.empty() || port.empty() || error != std::errc() || end != port.data() + port.size() ||
      value == 0 || value > 65535) {
    return std::nullopt;
  }
  parsed.host = std::string(host);
  parsed.port = static_cast<std::uint16_t>(value);
  return parsed;
}

std::unique_ptr<LmtpStream> LmtpStream::open(uv_loop_t* loop, const LmtpAddress& address,
                                             std::chrono::milliseconds timeout, Handlers handlers) {
  if (address.unix_socket) return std::make_unique<UnixStream>(loop, address, std::move(handlers));
  return std::make_unique<TcpStream>(loop, address, timeout, std::move(handlers));
}

}  // namespace deliver
