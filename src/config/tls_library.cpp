#include "config/tls_library.hpp"

#include <mbedtls/version.h>

// mbedtls/version.h pulls in the build configuration: mbedtls/config.h on
// 2.x, mbedtls/build_info.h on 3.x, either defines the protocol macros.
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#include <mbedtls/build_info.h>
#else
#include <mbedtls/config.h>
#endif

namespace config {

const TlsLibrary& tls_library() {
#if defined(MBEDTLS_SSL_PROTO_TLS1_3)
  static const TlsLibrary library{MBEDTLS_VERSION_STRING, true};
#else
  static const TlsLibrary library{MBEDTLS_VERSION_STRING, false};
#endif
  return library;
}

}  // namespace config
