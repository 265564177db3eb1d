// Which key-exchange groups popfetchd's ClientHello offers, and in what order.
// An OpenSSL server (Dovecot) takes the first group of the client's list that
// it supports, so the order decides the handshake's cost: mbedTLS 2.28's own
// order is largest first and made Dovecot pick secp521r1, several times the
// CPU of x25519 on both ends. The client here is the real net::Connection
// talking to a loopback listener that only records the bytes it is sent; the
// hello is read from those bytes, so the test sees what a server would.

#include <gtest/gtest.h>
#include <mbedtls/version.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loopback_server.hpp"
#include "net/connection.hpp"
#include "net/uv.hpp"
#include "support/test_pki.hpp"

namespace {

using net::Connection;
using net::TlsOptions;
using net_test::LoopbackServer;
using test_support::TestPki;
using namespace std::chrono_literals;

constexpr std::uint16_t kX25519 = 0x001d;
constexpr std::uint16_t kSecp256r1 = 0x0017;
constexpr std::uint16_t kSecp521r1 = 0x0019;
constexpr std::uint16_t kSupportedGroups = 0x000a;

// Bounds-checked big-endian reads over a byte string: a short or malformed
// hello ends in a message naming the field, never in a read past the end.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  bool empty() const { return bytes_.empty(); }

  std::optional<std::uint32_t> number(std::size_t width) {
    if (bytes_.size() < width) return std::nullopt;
    std::uint32_t value = 0;
    for (std::size_t i = 0; i < width; ++i) value = (value << 8) | static_cast<unsigned char>(bytes_[i]);
    bytes_.remove_prefix(width);
    return value;
  }
  std::optional<std::string_view> bytes(std::size_t count) {
    if (bytes_.size() < count) return std::nullopt;
    std::string_view taken = bytes_.substr(0, count);
    bytes_.remove_prefix(count);
    return taken;
  }
  // A TLS vector: a length of `width` bytes, then that many bytes.
  std::optional<std::string_view> vector(std::size_t width) {
    const auto length = number(width);
    if (!length) return std::nullopt;
    return bytes(*length);
  }

 private:
  std::string_view bytes_;
};

struct OfferedGroups {
  std::vector<std::uint16_t> groups;  // in the client's order
  std::string error;                  // empty when the hello parsed
};

OfferedGroups failed(std::string what) { return {{}, "malformed ClientHello: " + std::move(what)}; }

// The supported_groups list of the ClientHello in the first TLS record of
// `stream` (RFC 8446 4.1.2 and 4.2.7; TLS 1.2 and 1.3 hellos share the
// layout). A hello split over several records counts as malformed: no client
// here sends one that large.
OfferedGroups parse_supported_groups(std::string_view stream) {
  Reader record(stream);
  const auto content_type = record.number(1);
  if (!content_type || *content_type != 22) return failed("first record is not a handshake record");
  if (!record.bytes(2)) return failed("record header truncated");
  const auto fragment = record.vector(2);
  if (!fragment) return failed("record shorter than its length");
  Reader hello(*fragment);
  const auto message_type = hello.number(1);
  if (!message_type || *message_type != 1) return failed("first handshake message is not a ClientHello");
  const auto body_bytes = hello.vector(3);
  if (!body_bytes) return failed("ClientHello longer than its record");
  Reader body(*body_bytes);
  if (!body.bytes(2 + 32)) return failed("truncated in version or random");
  if (!body.vector(1)) return failed("truncated in session_id");
  if (!body.vector(2)) return failed("truncated in cipher_suites");
  if (!body.vector(1)) return failed("truncated in compression_methods");
  const auto extension_bytes = body.vector(2);
  if (!extension_bytes) return failed("truncated in extensions");
  Reader extensions(*extension_bytes);
  while (!extensions.empty()) {
    const auto type = extensions.number(2);
    const auto data = extensions.vector(2);
    if (!type || !data) return failed("extension truncated");
    if (*type != kSupportedGroups) continue;
    Reader extension(*data);
    const auto list = extension.vector(2);
    if (!list || list->size() % 2 != 0 || !extension.empty()) return failed("supported_groups malformed");
    OfferedGroups offered;
    Reader groups(*list);
    while (const auto group = groups.number(2)) offered.groups.push_back(static_cast<std::uint16_t>(*group));
    return offered;
  }
  return failed("no supported_groups extension");
}

// The length of the first TLS record in `stream`, header included, once its
// header has arrived.
std::optional<std::size_t> first_record_size(std::string_view stream) {
  if (stream.size() < 5) return std::nullopt;
  return 5 + ((static_cast<std::size_t>(static_cast<unsigned char>(stream[3])) << 8) |
               static_cast<unsigned char>(stream[4]));
}

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out += static_cast<char>(v);
  return out;
}

// A minimal TLS 1.2 ClientHello: one suite, null compression, a server_name
// extension, then supported_groups {x25519, secp256r1}.
std::string sample_hello() {
  std::string body = bytes({0x03, 0x03}) + std::string(32, '\x11');
  body += bytes({0x00});                             // session_id
  body += bytes({0x00, 0x02, 0xc0, 0x2b});           // cipher_suites
  body += bytes({0x01, 0x00});                       // compression_methods
  const std::string extensions = bytes({0x00, 0x00, 0x00, 0x00}) +  // empty server_name
                                 bytes({0x00, 0x0a, 0x00, 0x06, 0x00, 0x04, 0x00, 0x1d, 0x00, 0x17});
  body += bytes({0x00, static_cast<int>(extensions.size())}) + extensions;
  const std::string handshake = bytes({0x01, 0x00, 0x00, static_cast<int>(body.size())}) + body;
  return bytes({0x16, 0x03, 0x01, 0x00, static_cast<int>(handshake.size())}) + handshake;
}

TEST(SupportedGroupsParser, ReadsTheGroupsInTheClientsOrder) {
  const OfferedGroups offered = parse_supported_groups(sample_hello());
  ASSERT_EQ(offered.error, "");
  EXPECT_EQ(offered.groups, (std::vector<std::uint16_t>{kX25519, kSecp256r1}));
}

TEST(SupportedGroupsParser, EveryTruncationIsAnErrorNotACrash) {
  const std::string hello = sample_hello();
  for (std::size_t size = 0; size < hello.size(); ++size) {
    SCOPED_TRACE(size);
    // The record length still claims the whole hello: each cut is a short read.
    EXPECT_NE(parse_supported_groups(hello.substr(0, size)).error, "");
  }
}

TEST(SupportedGroupsParser, LengthsThatOverrunTheirParentAreErrors) {
  std::string hello = sample_hello();
  hello[hello.size() - 5] = 0x08;  // the group list claims 8 bytes of the extension's 6
  EXPECT_EQ(parse_supported_groups(hello).error, "malformed ClientHello: supported_groups malformed");
  hello = sample_hello();
  hello[hello.size() - 7] = 0x08;  // the extension claims 8 bytes of the 6 left
  EXPECT_EQ(parse_supported_groups(hello).error, "malformed ClientHello: extension truncated");
  hello = sample_hello();
  hello[0] = 0x17;  // application data, not a handshake
  EXPECT_EQ(parse_supported_groups(hello).error, "malformed ClientHello: first record is not a handshake record");
}

TEST(SupportedGroupsParser, AHelloWithoutTheExtensionSaysSo) {
  std::string hello = sample_hello();
  hello[hello.size() - 9] = 0x0b;  // the extension's type becomes ec_point_formats
  EXPECT_EQ(parse_supported_groups(hello).error, "malformed ClientHello: no supported_groups extension");
}

// Connects with implicit TLS to a listener that never answers and returns
// what the client sent until its first record was complete.
std::string client_first_record() {
  net::UvLoop uv;
  auto server = std::make_unique<LoopbackServer>(uv.get(), LoopbackServer::Mode::Silent);
  EXPECT_TRUE(server->listening());
  bool ended = false;
  Connection::Handlers handlers;
  handlers.on_error = [&](common::Error) { ended = true; };
  handlers.on_eof = [&] { ended = true; };
  auto connection = Connection::create(uv.get(), std::move(handlers));
  connection->connect("127.0.0.1", server->port(), 10s,
                      TlsOptions{"localhost", true, TestPki::instance().ca_file});
  auto complete = [&] {
    const auto size = first_record_size(server->received());
    return size && server->received().size() >= *size;
  };
  // The connection's 10 s handshake timeout ends the wait if the hello never
  // arrives; the client gives up on its own then.
  while (!complete() && !ended && uv_run(uv.get(), UV_RUN_ONCE) != 0) {
  }
  std::string received = server->received();
  connection.reset();  // the handshake never finishes; that is expected here
  server.reset();
  EXPECT_EQ(uv.close(), 0u) << uv.leaked_handles();
  return received;
}

TEST(TlsGroups, HelloOffersX25519FirstAndP256BeforeP521) {
  const std::string stream = client_first_record();
  ASSERT_TRUE(first_record_size(stream)) << "no TLS record from the client";
  const OfferedGroups offered = parse_supported_groups(stream);
  ASSERT_EQ(offered.error, "");
  ASSERT_FALSE(offered.groups.empty());
  std::string order;
  for (std::uint16_t group : offered.groups) order += std::to_string(group) + " ";
  SCOPED_TRACE("offered (IANA numbers): " + order + "with mbedTLS " MBEDTLS_VERSION_STRING);
  EXPECT_EQ(offered.groups.front(), kX25519);
  const auto p256 = std::find(offered.groups.begin(), offered.groups.end(), kSecp256r1);
  const auto p521 = std::find(offered.groups.begin(), offered.groups.end(), kSecp521r1);
  EXPECT_NE(p256, offered.groups.end()) << "secp256r1 not offered";
  if (p256 != offered.groups.end() && p521 != offered.groups.end()) {
    EXPECT_LT(p256 - offered.groups.begin(), p521 - offered.groups.begin()) << "secp521r1 before secp256r1";
  }
}

}  // namespace
