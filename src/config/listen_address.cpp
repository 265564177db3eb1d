// parse_listen_address(): the metrics_listen value.
#include <arpa/inet.h>

#include <charconv>

#include "config/config.hpp"

namespace config {

std::optional<ListenAddress> parse_listen_address(std::string_view text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  const bool bracketed = host.front() == '[';
  if (bracketed) {
    if (host.size() < 3 || host.back() != ']') return std::nullopt;
    host = host.substr(1, host.size() - 2);
  }
  unsigned port = 0;
  const auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || error != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
      port > 65535) {
    return std::nullopt;
  }
  const std::string host_text(host);
  unsigned char bytes[16];
  // An IPv6 literal needs its brackets: "::1:9423" would be ambiguous.
  const bool ok = bracketed ? ::inet_pton(AF_INET6, host_text.c_str(), bytes) == 1
                            : ::inet_pton(AF_INET, host_text.c_str(), bytes) == 1;
  if (!ok) return std::nullopt;
  return ListenAddress{host_text, static_cast<std::uint16_t>(port)};
}

}  // namespace config
