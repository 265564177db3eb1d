#include "net/address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>

namespace net {

std::string_view strip_brackets(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') return host.substr(1, host.size() - 2);
  return host;
}

std::optional<std::vector<std::uint8_t>> parse_ip_literal(std::string_view host) {
  const std::string text(strip_brackets(host));
  std::array<std::uint8_t, 16> buffer{};
  if (inet_pton(AF_INET, text.c_str(), buffer.data()) == 1) {
    return std::vector<std::uint8_t>(buffer.begin(), buffer.begin() + 4);
  }
  if (inet_pton(AF_INET6, text.c_str(), buffer.data()) == 1) {
    return std::vector<std::uint8_t>(buffer.begin(), buffer.end());
  }
  return std::nullopt;
}

std::string format_endpoint(const sockaddr* address) {
  if (address == nullptr) return {};
  char text[INET6_ADDRSTRLEN] = {};
  if (address->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    if (inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text) == nullptr) return {};
    return std::string(text) + ':' + std::to_string(ntohs(v4->sin_port));
  }
  if (address->sa_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
    if (inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text) == nullptr) return {};
    return '[' + std::string(text) + "]:" + std::to_string(ntohs(v6->sin6_port));
  }
  return {};
}

std::string format_host_port(std::string_view host, std::uint16_t port) {
  const std::string_view bare = strip_brackets(host);
  std::string out;
  if (bare.find(':') != std::string_view::npos) {
    out = '[' + std::string(bare) + ']';
  } else {
    out = std::string(bare);
  }
  return out + ':' + std::to_string(port);
}

std::string format_duration(std::chrono::milliseconds duration) {
  const auto ms = duration.count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + 's';
  return std::to_string(ms) + "ms";
}

}  // namespace net
