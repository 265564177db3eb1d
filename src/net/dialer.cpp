#include "net/dialer.hpp"

#include <string.h>

#include <utility>

#include "net/address.hpp"

namespace net {

using common::ErrorKind;
using common::make_error;

namespace {

void on_socket_closed(uv_handle_t* handle) {
  auto* socket = static_cast<Socket*>(handle->data);
  CloseLatch* latch = socket->latch;
  delete socket;
  latch->release();  // may free the latch's owner: last
}

// One write of the SOCKS5 negotiation. The credentials message holds the
// proxy password: wiped before the memory is freed.
struct ProxyWrite {
  uv_write_t req;
  Dialer* dialer;
  Socket* socket;
  std::string data;
  ~ProxyWrite() { explicit_bzero(data.data(), data.capacity()); }
};

}  // namespace

void close_socket(Socket* socket) {
  if (socket != nullptr) uv_close(reinterpret_cast<uv_handle_t*>(&socket->tcp), on_socket_closed);
}

common::Status Dialer::start(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout,
                             std::optional<Socks5Proxy> proxy) {
  timeout_ = timeout;
  if (!proxy) return resolve(host, port);
  auto socks =
      Socks5Client::create(Socks5Request{host, port, std::move(proxy->username), std::move(proxy->password)});
  if (!socks) return socks.error();
  socks_.emplace(std::move(*socks));
  return resolve(std::string(strip_brackets(proxy->host)), proxy->port);
}

common::Status Dialer::resolve(const std::string& host, std::uint16_t port) {
  host_ = host;
  target_ = format_host_port(host_, port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  hints.ai_flags = AI_NUMERICSERV;
  const std::string service = std::to_string(port);
  resolve_req_.data = this;
  listener_.dial_phase_started();
  const int status =
      uv_getaddrinfo(loop_, &resolve_req_, on_resolved, host_.c_str(), service.c_str(), &hints);
  if (status < 0)
    return make_error(ErrorKind::Io, "cannot resolve host " + host_ + ": " + uv_error_text(status));
  resolving_ = true;
  active_ = true;
  latch_.hold();
  return {};
}

void Dialer::timed_out() {
  if (!active_) return;
  if (socket_ == nullptr) {
    cancel();
    report_failure(make_error(ErrorKind::Timeout,
                              "could not resolve " + host_ + " within " + format_duration(timeout_)));
    return;
  }
  if (negotiating_) {
    const std::string endpoint = socket_->endpoint;
    cancel();
    listener_.dial_failed(
        make_error(ErrorKind::Timeout,
                   "SOCKS5 proxy " + endpoint + " did not answer within " + format_duration(timeout_)));
    return;
  }
  attempt_failed(UV_ETIMEDOUT);
  try_next_address();
}

void Dialer::cancel() {
  active_ = false;
  negotiating_ = false;
  socks_.reset();
  if (resolving_) uv_cancel(reinterpret_cast<uv_req_t*>(&resolve_req_));
  close_socket(std::exchange(socket_, nullptr));
  addresses_.reset();
  next_address_ = nullptr;
}

void Dialer::on_resolved(uv_getaddrinfo_t* req, int status, addrinfo* result) {
  auto* dialer = static_cast<Dialer*>(req->data);
  AddressList list(result);
  dialer->listener_.enter([&] {
    dialer->resolving_ = false;
    dialer->latch_.release();  // cannot free: enter() guards
    if (dialer->active_ && dialer->socket_ == nullptr && !dialer->addresses_) {
      dialer->resolved(status, std::move(list));
    }
  });
}

void Dialer::on_connect(uv_connect_t* req, int status) {
  auto* socket = static_cast<Socket*>(req->data);
  auto* dialer = static_cast<Dialer*>(socket->owner);
  // A stale attempt (timed out, or cancelled) reports here with
  // UV_ECANCELED once its handle is being closed: nothing to do.
  if (status == UV_ECANCELED) return;
  dialer->listener_.enter([&] {
    if (socket == dialer->socket_ && dialer->active_) dialer->connected(status);
  });
}

void Dialer::resolved(int status, AddressList list) {
  if (status == UV_EAI_NONAME || status == UV_EAI_NODATA || (status == 0 && list == nullptr)) {
    active_ = false;
    report_failure(make_error(ErrorKind::Io, "no address for host " + host_));
    return;
  }
  if (status < 0) {
    active_ = false;
    report_failure(make_error(ErrorKind::Io, "cannot resolve host " + host_ + ": " + uv_error_text(status)));
    return;
  }
  addresses_ = std::move(list);
  next_address_ = addresses_.get();
  try_next_address();
}

// Each attempt gets the full timeout.
void Dialer::try_next_address() {
  while (next_address_ != nullptr) {
    const addrinfo* address = next_address_;
    next_address_ = next_address_->ai_next;
    if (address->ai_family != AF_INET && address->ai_family != AF_INET6) continue;

    auto* socket = new Socket{};
    socket->owner = this;
    socket->latch = &latch_;
    socket->endpoint = format_endpoint(address->ai_addr);
    uv_tcp_init(loop_, &socket->tcp);  // cannot fail for AF_UNSPEC
    socket->tcp.data = socket;
    socket->connect.data = socket;
    latch_.hold();
    socket_ = socket;
    const int status = uv_tcp_connect(&socket->connect, &socket->tcp, address->ai_addr, on_connect);
    if (status < 0) {
      attempt_failed(status);
      continue;
    }
    listener_.dial_phase_started();
    return;
  }
  all_attempts_failed();
}

void Dialer::all_attempts_failed() {
  addresses_.reset();
  active_ = false;
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
  report_failure(make_error(only_timeouts ? ErrorKind::Timeout : ErrorKind::Io, std::move(message)));
}

// Reaching the proxy failed: say that it was the proxy.
void Dialer::report_failure(common::Error error) {
  if (socks_) {
    socks_.reset();
    error.message = "cannot reach the SOCKS5 proxy: " + error.message;
  }
  listener_.dial_failed(std::move(error));
}

// Records why the current attempt failed and closes its handle.
void Dialer::attempt_failed(int status) {
  const std::string& endpoint = socket_->endpoint;
  if (status == UV_ETIMEDOUT) {
    attempt_errors_.push_back("connection to " + endpoint + " timed out after " + format_duration(timeout_));
    ++attempts_timed_out_;
  } else if (status == UV_ECONNREFUSED) {
    attempt_errors_.push_back("connection refused by " + endpoint);
  } else {
    attempt_errors_.push_back("cannot connect to " + endpoint + ": " + uv_error_text(status));
  }
  close_socket(std::exchange(socket_, nullptr));
}

void Dialer::connected(int status) {
  if (status < 0) {
    attempt_failed(status);
    try_next_address();
    return;
  }
  addresses_.reset();
  next_address_ = nullptr;
  if (socks_) return negotiate();
  active_ = false;
  listener_.dialed(std::exchange(socket_, nullptr), {});
}

// ---- the SOCKS5 negotiation over the proxy's socket (a phase of its own)

void Dialer::negotiate() {
  negotiating_ = true;
  listener_.dial_phase_started();
  const int status =
      uv_read_start(reinterpret_cast<uv_stream_t*>(&socket_->tcp), on_proxy_alloc, on_proxy_read);
  if (status < 0) {
    return proxy_failed(make_error(
        ErrorKind::Io, "cannot read from SOCKS5 proxy " + socket_->endpoint + ": " + uv_error_text(status)));
  }
  write_to_proxy(socks_->take_output());
}

void Dialer::on_proxy_alloc(uv_handle_t* handle, std::size_t /*suggested*/, uv_buf_t* buf) {
  auto* dialer = static_cast<Dialer*>(static_cast<Socket*>(handle->data)->owner);
  *buf = uv_buf_init(dialer->proxy_buffer_.data(), static_cast<unsigned>(dialer->proxy_buffer_.size()));
}

void Dialer::on_proxy_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* socket = static_cast<Socket*>(stream->data);
  auto* dialer = static_cast<Dialer*>(socket->owner);
  if (nread == 0) return;
  dialer->listener_.enter([&] {
    if (socket != dialer->socket_ || !dialer->negotiating_) return;
    dialer->proxy_received(
        nread, nread > 0 ? std::string_view(buf->base, static_cast<std::size_t>(nread)) : std::string_view());
  });
}

void Dialer::proxy_received(ssize_t nread, std::string_view bytes) {
  if (nread == UV_EOF) return proxy_failed(socks_->receive_eof());
  if (nread < 0) {
    return proxy_failed(make_error(ErrorKind::Io, "reading from SOCKS5 proxy " + socket_->endpoint +
                                                      " failed: " + uv_error_text(static_cast<int>(nread))));
  }
  auto progress = socks_->receive(bytes);
  if (!progress) return proxy_failed(progress.error());
  if (socks_->has_output()) {
    write_to_proxy(socks_->take_output());
    if (!negotiating_) return;  // the write failed
  }
  if (*progress == Socks5Client::Progress::NeedMore) return;
  uv_read_stop(reinterpret_cast<uv_stream_t*>(&socket_->tcp));  // the listener reads from here on
  std::string early_bytes = socks_->take_leftover();
  socks_.reset();
  negotiating_ = false;
  active_ = false;
  listener_.dialed(std::exchange(socket_, nullptr), std::move(early_bytes));
}

void Dialer::proxy_failed(common::Error error) {
  cancel();
  listener_.dial_failed(std::move(error));
}

void Dialer::write_to_proxy(std::string bytes) {
  if (bytes.empty()) return;
  auto* write = new ProxyWrite{{}, this, socket_, std::move(bytes)};
  write->req.data = write;
  const uv_buf_t buf = uv_buf_init(write->data.data(), static_cast<unsigned>(write->data.size()));
  const int status =
      uv_write(&write->req, reinterpret_cast<uv_stream_t*>(&socket_->tcp), &buf, 1, on_proxy_write);
  if (status < 0) {
    delete write;
    proxy_failed(make_error(
        ErrorKind::Io, "writing to SOCKS5 proxy " + socket_->endpoint + " failed: " + uv_error_text(status)));
  }
}

// The socket's close callback comes after this one, so the owner (and this
// Dialer in it) is still alive here, even after the socket was handed over.
void Dialer::on_proxy_write(uv_write_t* req, int status) {
  auto* write = static_cast<ProxyWrite*>(req->data);
  Dialer* dialer = write->dialer;
  Socket* socket = write->socket;
  delete write;
  if (status == 0 || status == UV_ECANCELED) return;
  dialer->listener_.enter([&] {
    if (socket != dialer->socket_ || !dialer->negotiating_) return;
    dialer->proxy_failed(make_error(
        ErrorKind::Io, "writing to SOCKS5 proxy " + socket->endpoint + " failed: " + uv_error_text(status)));
  });
}

}  // namespace net
