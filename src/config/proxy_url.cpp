// parse_proxy_url and Proxy's comparison; see config.hpp.
#include <arpa/inet.h>

#include <array>
#include <charconv>

#include "config/config.hpp"

namespace config {
namespace {

using common::ErrorKind;
using common::make_error;

constexpr std::size_t kMaxField = 255;  // RFC 1929: UNAME and PASSWD have a one-byte length

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 3986 percent-decoding of the userinfo; nullopt for a broken escape.
std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int high = hex_value(text[i + 1]);
    const int low = hex_value(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

bool valid_host_name(std::string_view host) {
  for (const char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '.' || c == '_';
    if (!ok) return false;
  }
  return !host.empty();
}

bool valid_ipv6(std::string_view text) {
  std::array<unsigned char, 16> buffer{};
  return inet_pton(AF_INET6, std::string(text).c_str(), buffer.data()) == 1;
}

}  // namespace

bool Proxy::operator==(const Proxy& other) const {
  return host == other.host && port == other.port && username == other.username &&
         password->reveal() == other.password->reveal();
}

common::Result<Proxy> parse_proxy_url(std::string_view url) {
  constexpr std::string_view kForm = "expected socks5://[user[:password]@]host:port";
  std::string_view rest;
  if (url.starts_with("socks5://")) {
    rest = url.substr(9);
  } else if (url.starts_with("socks5h://")) {
    rest = url.substr(10);
  } else {
    return make_error(ErrorKind::Config, "only socks5:// proxies are supported; " + std::string(kForm));
  }
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  Proxy proxy;
  if (const std::size_t at = rest.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const std::size_t colon = userinfo.find(':');
    auto user = percent_decode(userinfo.substr(0, colon));
    auto password = colon == std::string_view::npos ? std::optional<std::string>(std::string())
                                                    : percent_decode(userinfo.substr(colon + 1));
    if (!user || !password) return make_error(ErrorKind::Config, "a broken %-escape in the user or password");
    if (user->empty())
      return make_error(ErrorKind::Config, "the user name before '@' is empty; " + std::string(kForm));
    if (user->size() > kMaxField || password->size() > kMaxField) {
      return make_error(ErrorKind::Config,
                        "the user name and the password are at most 255 bytes each (RFC 1929)");
    }
    proxy.username = std::move(*user);
    proxy.password = std::make_shared<const common::Secret>(std::move(*password));
  }
  std::string_view host;
  std::string_view port;
  if (rest.starts_with('[')) {
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos) return make_error(ErrorKind::Config, "an IPv6 address without ']'");
    host = rest.substr(1, close - 1);
    if (!valid_ipv6(host))
      return make_error(ErrorKind::Config, "'" + std::string(host) + "' is not an IPv6 address");
    if (rest.substr(close + 1).starts_with(':')) port = rest.substr(close + 2);
  } else {
    const std::size_t colon = rest.rfind(':');
    host = rest.substr(0, colon);
    if (colon != std::string_view::npos) port = rest.substr(colon + 1);
    if (!valid_host_name(host)) {
      return make_error(ErrorKind::Config,
                        "the proxy host is missing or not a host name; " + std::string(kForm));
    }
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
    return make_error(
        ErrorKind::Config,
        "the proxy needs a port from 1 to 65535 (e.g. :1080, Tor's :9050); " + std::string(kForm));
  }
  proxy.host = std::string(host);
  proxy.port = static_cast<std::uint16_t>(value);
  return proxy;
}

}  // namespace config
