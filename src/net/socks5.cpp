#include "net/socks5.hpp"

#include <string.h>

#include <array>
#include <cstdio>
#include <utility>

#include "net/address.hpp"

namespace net {

using common::Error;
using common::ErrorKind;
using common::make_error;

namespace {

constexpr std::uint8_t kVersion = 0x05;      // RFC 1928 §3
constexpr std::uint8_t kAuthVersion = 0x01;  // RFC 1929 §2
constexpr std::uint8_t kNoAuth = 0x00;
constexpr std::uint8_t kUserPass = 0x02;
constexpr std::uint8_t kNoAcceptable = 0xff;
constexpr std::uint8_t kConnect = 0x01;
constexpr std::uint8_t kIpv4 = 0x01;
constexpr std::uint8_t kDomain = 0x03;
constexpr std::uint8_t kIpv6 = 0x04;

std::string hex_byte(std::uint8_t value) {
  std::array<char, 8> text{};
  std::snprintf(text.data(), text.size(), "0x%02x", value);
  return text.data();
}

char byte(std::uint8_t value) { return static_cast<char>(value); }
std::uint8_t at(const std::string& bytes, std::size_t i) { return static_cast<std::uint8_t>(bytes[i]); }

}  // namespace

std::string socks5_reply_text(std::uint8_t rep) {
  // RFC 1928 §6, REP field.
  switch (rep) {
    case 0x01:
      return "general SOCKS server failure";
    case 0x02:
      return "connection not allowed by the proxy's rules";
    case 0x03:
      return "network unreachable";
    case 0x04:
      return "host unreachable (or its name does not resolve)";
    case 0x05:
      return "connection refused";
    case 0x06:
      return "TTL expired";
    case 0x07:
      return "command not supported";
    case 0x08:
      return "address type not supported";
    default:
      return "unassigned reply code " + hex_byte(rep);
  }
}

common::Result<Socks5Client> Socks5Client::create(Socks5Request request) {
  const std::string_view host = strip_brackets(request.destination);
  if (host.empty()) return make_error(ErrorKind::Config, "the SOCKS5 destination is empty");
  if (host.size() > kMaxSocks5Field) {
    return make_error(ErrorKind::Config, "the server name is " + std::to_string(host.size()) +
                                             " bytes long; a SOCKS5 proxy takes at most 255");
  }
  if (request.username.size() > kMaxSocks5Field || request.password.reveal().size() > kMaxSocks5Field) {
    return make_error(ErrorKind::Config, "the SOCKS5 user name and password are at most 255 bytes each");
  }
  Socks5Client client(std::move(request));
  // RFC 1928 §3: VER NMETHODS METHODS. With credentials, offer only
  // username/password: a proxy that would also take "no authentication"
  // must not silently skip the credentials the user configured.
  client.output_ = {byte(kVersion), byte(1), byte(client.with_credentials() ? kUserPass : kNoAuth)};
  return client;
}

Socks5Client::~Socks5Client() {
  if (output_secret_) explicit_bzero(output_.data(), output_.capacity());
}

std::string Socks5Client::take_output() {
  std::string out = std::move(output_);
  if (output_secret_) explicit_bzero(output_.data(), output_.capacity());
  output_.clear();
  output_secret_ = false;
  return out;
}

std::string Socks5Client::take_leftover() { return std::exchange(input_, std::string()); }

common::Result<Socks5Client::Progress> Socks5Client::receive(std::string_view bytes) {
  if (state_ == State::Failed)
    return make_error(ErrorKind::Protocol, "the SOCKS5 negotiation already failed");
  input_.append(bytes);
  if (state_ == State::Done) return Progress::Done;
  return step();
}

Error Socks5Client::receive_eof() const {
  return make_error(ErrorKind::Protocol, "the SOCKS5 proxy closed the connection during the negotiation");
}

// Runs every step the buffered input allows (one read may hold two replies).
common::Result<Socks5Client::Progress> Socks5Client::step() {
  while (true) {
    const State before = state_;
    common::Result<Progress> progress = Progress::NeedMore;
    switch (state_) {
      case State::Method:
        progress = on_method();
        break;
      case State::Auth:
        progress = on_auth();
        break;
      case State::Reply:
        progress = on_reply();
        break;
      case State::Done:
        return Progress::Done;
      case State::Failed:
        return make_error(ErrorKind::Protocol, "the SOCKS5 negotiation failed");
    }
    if (!progress || *progress == Progress::Done || state_ == before) return progress;
  }
}

Error Socks5Client::failed(ErrorKind kind, std::string message) {
  state_ = State::Failed;
  input_.clear();
  return make_error(kind, std::move(message));
}

// RFC 1928 §3: VER METHOD.
common::Result<Socks5Client::Progress> Socks5Client::on_method() {
  if (input_.size() < 2) return Progress::NeedMore;
  if (at(input_, 0) != kVersion) {
    return failed(ErrorKind::Protocol,
                  "the proxy is not a SOCKS5 proxy (its reply has version " + hex_byte(at(input_, 0)) + ")");
  }
  const std::uint8_t method = at(input_, 1);
  input_.erase(0, 2);
  if (method == kNoAcceptable) {
    return failed(ErrorKind::Auth, with_credentials()
                                       ? "the SOCKS5 proxy does not accept username/password authentication"
                                       : "the SOCKS5 proxy needs authentication: give a user and password "
                                         "in the proxy URL");
  }
  if (method != (with_credentials() ? kUserPass : kNoAuth)) {
    return failed(ErrorKind::Protocol, "the SOCKS5 proxy chose authentication method " + hex_byte(method) +
                                           ", which was not offered");
  }
  if (method == kUserPass) {
    queue_auth();
    state_ = State::Auth;
  } else {
    queue_connect();
    state_ = State::Reply;
  }
  return Progress::NeedMore;
}

// RFC 1929 §2: VER ULEN UNAME PLEN PASSWD.
void Socks5Client::queue_auth() {
  const std::string_view password = request_.password.reveal();
  output_secret_ = true;
  output_.reserve(3 + request_.username.size() + password.size());
  output_ += byte(kAuthVersion);
  output_ += byte(static_cast<std::uint8_t>(request_.username.size()));
  output_ += request_.username;
  output_ += byte(static_cast<std::uint8_t>(password.size()));
  output_ += password;
  request_.password.wipe();  // in output_ now, which is wiped when taken
}

// RFC 1929 §2: VER STATUS, 0 is success.
common::Result<Socks5Client::Progress> Socks5Client::on_auth() {
  if (input_.size() < 2) return Progress::NeedMore;
  if (at(input_, 0) != kAuthVersion) {
    return failed(ErrorKind::Protocol, "the SOCKS5 proxy's authentication reply has version " +
                                           hex_byte(at(input_, 0)) + ", not 0x01");
  }
  if (at(input_, 1) != 0) {
    return failed(ErrorKind::Auth, "the SOCKS5 proxy refused the user name or password of the proxy URL");
  }
  input_.erase(0, 2);
  queue_connect();
  state_ = State::Reply;
  return Progress::NeedMore;
}

// RFC 1928 §4: VER CMD RSV ATYP DST.ADDR DST.PORT.
void Socks5Client::queue_connect() {
  const std::string_view host = strip_brackets(request_.destination);
  output_ += {byte(kVersion), byte(kConnect), byte(0)};
  if (const auto literal = parse_ip_literal(host)) {
    output_ += byte(literal->size() == 4 ? kIpv4 : kIpv6);
    output_.append(literal->begin(), literal->end());
  } else {
    output_ += byte(kDomain);
    output_ += byte(static_cast<std::uint8_t>(host.size()));
    output_ += host;
  }
  output_ += byte(static_cast<std::uint8_t>(request_.port >> 8));
  output_ += byte(static_cast<std::uint8_t>(request_.port & 0xff));
}

// RFC 1928 §6: VER REP RSV ATYP BND.ADDR BND.PORT.
common::Result<Socks5Client::Progress> Socks5Client::on_reply() {
  if (input_.size() < 2) return Progress::NeedMore;
  if (at(input_, 0) != kVersion) {
    return failed(ErrorKind::Protocol, "the SOCKS5 proxy's reply to CONNECT has version " +
                                           hex_byte(at(input_, 0)) + ", not 0x05");
  }
  if (const std::uint8_t rep = at(input_, 1); rep != 0) {
    return failed(ErrorKind::Io, "the SOCKS5 proxy could not connect to " +
                                     format_host_port(strip_brackets(request_.destination), request_.port) +
                                     ": " + socks5_reply_text(rep));
  }
  if (input_.size() < 5) return Progress::NeedMore;
  if (at(input_, 2) != 0) {
    return failed(ErrorKind::Protocol, "the SOCKS5 proxy's reply has a reserved byte set");
  }
  std::size_t address_length = 0;
  switch (at(input_, 3)) {
    case kIpv4:
      address_length = 4;
      break;
    case kIpv6:
      address_length = 16;
      break;
    case kDomain:
      address_length = 1 + at(input_, 4);
      break;
    default:
      return failed(ErrorKind::Protocol,
                    "the SOCKS5 proxy's reply has an unknown address type " + hex_byte(at(input_, 3)));
  }
  const std::size_t total = 4 + address_length + 2;
  if (input_.size() < total) return Progress::NeedMore;
  input_.erase(0, total);  // what remains is the server's
  state_ = State::Done;
  return Progress::Done;
}

}  // namespace net
