#pragma once
// net::Socks5Client: the client side of a SOCKS5 CONNECT (RFC 1928) with
// optional username/password authentication (RFC 1929), as a sans-I/O state
// machine: the proxy's bytes go in with receive(), the bytes to send come out
// of take_output(), and the result is the value receive() returns. No socket,
// no libuv, no clock: net::Connection drives it over the dialed socket and
// times it; tests drive it with byte strings.
//
// The destination is sent as the proxy will see it: an IPv4/IPv6 literal as
// ATYP 1/4, any other name as ATYP 3 (a domain name) so the proxy resolves it
// — that is what lets a Tor proxy reach a .onion server, and why no local DNS
// lookup of the POP3 server happens when a proxy is used.
//
// Owns: a copy of the proxy password (a common::Secret) until it has been
// written into the output, and the output and input buffers (the one holding
// the password is wiped when taken). Never logs.
//
// Errors (from create() and receive()/receive_eof()), then the client is dead:
//   Config   a destination name over 255 bytes, a user name or password over
//            255 bytes (the wire formats' one-byte lengths)
//   Auth     the proxy refused the username/password (RFC 1929 status != 0)
//   Io       the proxy refused the CONNECT: each REP code in words
//            ("the SOCKS5 proxy could not reach the server: connection refused")
//   Protocol a reply that is not SOCKS5 (wrong version, an unoffered method,
//            a reserved byte set, an unknown address type), or the proxy
//            closed the connection in the middle of a reply

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "common/secret.hpp"

namespace net {

// What the proxy is asked to do. Credentials: both empty for no
// authentication; otherwise RFC 1929 (an empty password is allowed).
struct Socks5Request {
  std::string destination;  // host name or IP literal (brackets allowed)
  std::uint16_t port = 0;
  std::string username;
  common::Secret password;
};

// Where the SOCKS5 proxy is and who we are to it (config's `proxy:` URL).
struct Socks5Proxy {
  std::string host;  // name or IP literal (brackets allowed); resolved locally
  std::uint16_t port = 1080;
  std::string username;  // empty with an empty password: no authentication
  common::Secret password;
};

// The one-byte length fields of RFC 1928 (DST.ADDR) and RFC 1929 (UNAME, PASSWD).
inline constexpr std::size_t kMaxSocks5Field = 255;

// "connection refused" for REP 5, ...; "unassigned reply code 0x2a" otherwise.
std::string socks5_reply_text(std::uint8_t rep);

class Socks5Client {
 public:
  enum class Progress { NeedMore, Done };

  // Checks the lengths and queues the greeting (the method offer).
  static common::Result<Socks5Client> create(Socks5Request request);

  // Bytes to send now (the greeting, the credentials, the CONNECT request).
  std::string take_output();
  bool has_output() const { return !output_.empty(); }

  // The proxy's bytes, in any split. Done: the tunnel is open; bytes that
  // followed the reply (the server's first bytes) are in take_leftover().
  common::Result<Progress> receive(std::string_view bytes);
  // The proxy closed the connection before Done.
  common::Error receive_eof() const;

  std::string take_leftover();

  Socks5Client(Socks5Client&&) noexcept = default;
  Socks5Client& operator=(Socks5Client&&) noexcept = default;
  ~Socks5Client();

 private:
  enum class State { Method, Auth, Reply, Done, Failed };

  explicit Socks5Client(Socks5Request request) : request_(std::move(request)) {}
  common::Result<Progress> step();
  common::Result<Progress> on_method();
  common::Result<Progress> on_auth();
  common::Result<Progress> on_reply();
  common::Error failed(common::ErrorKind kind, std::string message);
  void queue_auth();
  void queue_connect();
  bool with_credentials() const { return !request_.username.empty() || !request_.password.empty(); }

  Socks5Request request_;
  State state_ = State::Method;
  std::string output_;
  bool output_secret_ = false;  // output_ holds the password: wipe it when taken
  std::string input_;
};

}  // namespace net
