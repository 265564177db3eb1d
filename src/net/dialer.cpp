#include "net/dialer.hpp"

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

}  // namespace

void close_socket(Socket* socket) {
  if (socket != nullptr) uv_close(reinterpret_cast<uv_handle_t*>(&socket->tcp), on_socket_closed);
}

common::Status Dialer::start(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout) {
  host_ = host;
  timeout_ = timeout;
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
    listener_.dial_failed(make_error(ErrorKind::Timeout,
                                     "could not resolve " + host_ + " within " + format_duration(timeout_)));
    return;
  }
  attempt_failed(UV_ETIMEDOUT);
  try_next_address();
}

void Dialer::cancel() {
  active_ = false;
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
    listener_.dial_failed(make_error(ErrorKind::Io, "no address for host " + host_));
    return;
  }
  if (status < 0) {
    active_ = false;
    listener_.dial_failed(
        make_error(ErrorKind::Io, "cannot resolve host " + host_ + ": " + uv_error_text(status)));
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
  listener_.dial_failed(make_error(only_timeouts ? ErrorKind::Timeout : ErrorKind::Io, std::move(message)));
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
  active_ = false;
  listener_.dialed(std::exchange(socket_, nullptr));
}

}  // namespace net
