#include "loopback_server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <mbedtls/ssl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>

#include "support/tls_test_server.hpp"

namespace net_test {

using test_support::TlsTestServer;

struct LoopbackServer::Client {
  uv_tcp_t tcp;
  LoopbackServer* server;  // null once the server is gone
  std::unique_ptr<TlsTestServer> tls;
  std::string line;  // StartTls mode: the clear-text line being read
  char buffer[16 * 1024];
};

namespace {

struct WriteRequest {
  uv_write_t req;
  std::string data;
};

void on_write(uv_write_t* req, int /*status*/) { delete static_cast<WriteRequest*>(req->data); }

void on_client_closed(uv_handle_t* handle) { delete static_cast<LoopbackServer::Client*>(handle->data); }

void on_listener_closed(uv_handle_t* handle) { delete reinterpret_cast<uv_tcp_t*>(handle); }

void raw_write(LoopbackServer::Client& client, std::string data) {
  if (data.empty()) return;
  auto* request = new WriteRequest{{}, std::move(data)};
  request->req.data = request;
  const uv_buf_t buf = uv_buf_init(request->data.data(), static_cast<unsigned>(request->data.size()));
  if (uv_write(&request->req, reinterpret_cast<uv_stream_t*>(&client.tcp), &buf, 1, on_write) != 0)
    delete request;
}

}  // namespace

LoopbackServer::LoopbackServer(uv_loop_t* loop, Mode mode, const char* ip, const Credential* credential)
    : loop_(loop), mode_(mode), credential_(credential) {
  listener_ = new uv_tcp_t;
  uv_tcp_init(loop_, listener_);
  listener_->data = this;
  sockaddr_storage address{};
  if (uv_ip4_addr(ip, 0, reinterpret_cast<sockaddr_in*>(&address)) != 0 &&
      uv_ip6_addr(ip, 0, reinterpret_cast<sockaddr_in6*>(&address)) != 0) {
    return;
  }
  if (uv_tcp_bind(listener_, reinterpret_cast<sockaddr*>(&address), 0) != 0) return;
  if (uv_listen(reinterpret_cast<uv_stream_t*>(listener_), 16, on_connection) != 0) return;
  int length = sizeof address;
  if (uv_tcp_getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) return;
  port_ = ntohs(address.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&address)->sin_port
                                             : reinterpret_cast<sockaddr_in6*>(&address)->sin6_port);
}

LoopbackServer::~LoopbackServer() {
  uv_close(reinterpret_cast<uv_handle_t*>(listener_), on_listener_closed);
  for (Client* client : clients_) {
    client->server = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(&client->tcp), on_client_closed);
  }
}

void LoopbackServer::on_connection(uv_stream_t* listener, int status) {
  auto* self = static_cast<LoopbackServer*>(listener->data);
  if (status != 0) return;
  auto* client = new Client{};
  client->server = self;
  uv_tcp_init(self->loop_, &client->tcp);
  client->tcp.data = client;
  if (uv_accept(listener, reinterpret_cast<uv_stream_t*>(&client->tcp)) != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(&client->tcp), on_client_closed);
    return;
  }
  self->clients_.insert(client);
  ++self->accepted_;
  if (self->mode_ == Mode::TlsEcho || self->mode_ == Mode::TlsFinalReplyThenCloseNotify ||
      self->mode_ == Mode::TlsFinalReplyThenFin) {
    try {
      client->tls = std::make_unique<TlsTestServer>(*self->credential_);
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what();
    }
  }
  uv_read_start(
      reinterpret_cast<uv_stream_t*>(&client->tcp),
      [](uv_handle_t* handle, std::size_t, uv_buf_t* buf) {
        auto* c = static_cast<Client*>(handle->data);
        *buf = uv_buf_init(c->buffer, sizeof c->buffer);
      },
      [](uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
        auto* c = static_cast<Client*>(stream->data);
        if (c->server == nullptr || nread == 0) return;
        if (nread < 0) {
          c->server->client_eof(*c);
        } else {
          c->server->client_read(*c, std::string_view(buf->base, static_cast<std::size_t>(nread)));
        }
      });
  if (self->mode_ == Mode::GreetAndClose) {
    raw_write(*client, "+OK bye\r\n");
    self->hang_up(*client);
  } else if (self->mode_ == Mode::StartTls) {
    raw_write(*client, "+OK ready\r\n");
  }
}

void LoopbackServer::client_read(Client& client, std::string_view bytes) {
  if (client.tls) {
    client.tls->feed(bytes);
    if (!client.tls->handshake_done()) {
      client.tls->handshake();
      raw_write(client, client.tls->take());
    }
    if (client.tls->handshake_done()) {
      const std::string plaintext = client.tls->read();
      received_ += plaintext;
      if (client.tls->peer_closed()) close_notify_seen_ = true;
      if (plaintext.empty()) return;
      if (mode_ == Mode::TlsFinalReplyThenCloseNotify || mode_ == Mode::TlsFinalReplyThenFin) {
        send_final_reply(client);
      } else {
        send(client, plaintext);
      }
    }
    return;
  }
  switch (mode_) {
    case Mode::Silent:
      received_.append(bytes);
      return;
    case Mode::StartTls:
      for (char c : bytes) {
        client.line += c;
        if (c != '\n') continue;
        received_ += client.line;
        if (client.line == "STLS\r\n") {
          raw_write(client, "+OK begin TLS\r\n");
          try {
            client.tls = std::make_unique<TlsTestServer>(*credential_);
          } catch (const std::exception& e) {
            ADD_FAILURE() << e.what();
          }
          client.line.clear();
          return;  // RFC 2595: nothing after STLS in the same read is valid
        }
        raw_write(client, client.line);
        client.line.clear();
      }
      return;
    default:
      received_.append(bytes);
      send(client, bytes);
      return;
  }
}

void LoopbackServer::send(Client& client, std::string_view plaintext) {
  if (client.tls) {
    client.tls->write(plaintext);
    raw_write(client, client.tls->take());
  } else {
    raw_write(client, std::string(plaintext));
  }
}

void LoopbackServer::send_final_reply(Client& client) {
  const std::string_view reply = kFinalReply;
  const std::size_t first_line = reply.find('\n') + 1;
  client.tls->write(reply.substr(0, first_line));
  client.tls->warning_alert(MBEDTLS_SSL_ALERT_MSG_NO_RENEGOTIATION);
  client.tls->write(reply.substr(first_line, 8));
  client.tls->empty_record();
  client.tls->empty_record();
  client.tls->write(reply.substr(first_line + 8));
  if (mode_ == Mode::TlsFinalReplyThenCloseNotify) client.tls->close_notify();
  raw_write(client, client.tls->take());
  hang_up(client);
}

// FIN after what was queued has been sent; uv_close right away could drop it.
void LoopbackServer::hang_up(Client& client) {
  clients_.erase(&client);
  client.server = nullptr;
  auto* request = new uv_shutdown_t;
  request->data = &client;
  if (uv_shutdown(request, reinterpret_cast<uv_stream_t*>(&client.tcp), [](uv_shutdown_t* req, int) {
        auto* c = static_cast<Client*>(req->data);
        delete req;
        uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), on_client_closed);
      }) != 0) {
    delete request;
    uv_close(reinterpret_cast<uv_handle_t*>(&client.tcp), on_client_closed);
  }
}

void LoopbackServer::client_eof(Client& client) {
  client_closed_ = true;
  close_client(client);
}

void LoopbackServer::close_client(Client& client) {
  clients_.erase(&client);
  client.server = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(&client.tcp), on_client_closed);
}

RefusingPort::RefusingPort() {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return;
  }
  port_ = ntohs(address.sin_port);
}

RefusingPort::~RefusingPort() {
  if (fd_ >= 0) ::close(fd_);
}

BlackholePort::BlackholePort() {
  listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listener_, 0) != 0 ||
      ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return;
  }
  // A blocking connect returns once the kernel queued the connection: the
  // queue is then full.
  parked_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (parked_ < 0 || ::connect(parked_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) return;
  port_ = ntohs(address.sin_port);
}

BlackholePort::~BlackholePort() {
  if (parked_ >= 0) ::close(parked_);
  if (listener_ >= 0) ::close(listener_);
}

}  // namespace net_test
