#pragma once
// What the mbedTLS this build is compiled against can do, for the config
// checks that depend on it (tls_min_version: 1.3). Compile-time facts; no
// I/O, no errors.

#include <string>

namespace config {

struct TlsLibrary {
  std::string version;  // "2.28.3", "3.6.4"
  bool tls1_3 = false;  // TLS 1.3 compiled in (MBEDTLS_SSL_PROTO_TLS1_3)
};

const TlsLibrary& tls_library();

}  // namespace config
