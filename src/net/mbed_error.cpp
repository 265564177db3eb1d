#include "net/mbed_error.hpp"

#include <mbedtls/error.h>

#include <cstdio>

namespace net::detail {

std::string mbed_error_text(int code) {
  char text[160] = {};
  mbedtls_strerror(code, text, sizeof text);
  char hex[24] = {};
  std::snprintf(hex, sizeof hex, " (-0x%04X)", static_cast<unsigned>(code < 0 ? -code : code));
  return std::string(text) + hex;
}

}  // namespace net::detail
