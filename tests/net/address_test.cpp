#include "net/address.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

namespace {

TEST(Address, ParsesIpLiterals) {
  EXPECT_EQ(net::parse_ip_literal("127.0.0.1"), (std::vector<std::uint8_t>{127, 0, 0, 1}));
  auto v6 = net::parse_ip_literal("::1");
  ASSERT_TRUE(v6.has_value());
  ASSERT_EQ(v6->size(), 16u);
  EXPECT_EQ((*v6)[15], 1);
  EXPECT_EQ(net::parse_ip_literal("[::1]"), v6);
}

TEST(Address, HostNamesAreNotIpLiterals) {
  EXPECT_FALSE(net::parse_ip_literal("localhost"));
  EXPECT_FALSE(net::parse_ip_literal("pop.example.com"));
  EXPECT_FALSE(net::parse_ip_literal("127.0.0.1.example.com"));
  EXPECT_FALSE(net::parse_ip_literal(""));
}

TEST(Address, FormatsEndpointsWithBracketsForIpv6) {
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  v4.sin_port = htons(1110);
  inet_pton(AF_INET, "127.0.0.1", &v4.sin_addr);
  EXPECT_EQ(net::format_endpoint(reinterpret_cast<sockaddr*>(&v4)), "127.0.0.1:1110");

  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  v6.sin6_port = htons(995);
  inet_pton(AF_INET6, "::1", &v6.sin6_addr);
  EXPECT_EQ(net::format_endpoint(reinterpret_cast<sockaddr*>(&v6)), "[::1]:995");

  EXPECT_EQ(net::format_host_port("::1", 110), "[::1]:110");
  EXPECT_EQ(net::format_host_port("[::1]", 110), "[::1]:110");
  EXPECT_EQ(net::format_host_port("pop.example.com", 995), "pop.example.com:995");
}

TEST(Address, FormatsDurationsTheWayUsersWriteThem) {
  EXPECT_EQ(net::format_duration(std::chrono::seconds(60)), "60s");
  EXPECT_EQ(net::format_duration(std::chrono::milliseconds(200)), "200ms");
  EXPECT_EQ(net::format_duration(std::chrono::milliseconds(1500)), "1500ms");
}

}  // namespace
