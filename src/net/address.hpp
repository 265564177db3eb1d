#pragma once
// Small, pure helpers for host names, socket addresses and durations as they
// appear in connection messages. Own nothing, touch no socket; never fail
// (malformed input yields an empty or nullopt answer).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct sockaddr;

namespace net {

// "[::1]" -> "::1"; any other text unchanged. Users write IPv6 literals both ways.
std::string_view strip_brackets(std::string_view host);

// The 4 or 16 network-order bytes of an IPv4/IPv6 literal (brackets allowed),
// nullopt for a host name.
std::optional<std::vector<std::uint8_t>> parse_ip_literal(std::string_view host);

// "127.0.0.1:1110" or "[::1]:1110"; "" for a family other than IPv4/IPv6.
std::string format_endpoint(const sockaddr* address);

// "host:port" with brackets around an IPv6 literal, for messages before DNS.
std::string format_host_port(std::string_view host, std::uint16_t port);

// "60s" for whole seconds, otherwise "200ms": how a user wrote the timeout.
std::string format_duration(std::chrono::milliseconds duration);

}  // namespace net
