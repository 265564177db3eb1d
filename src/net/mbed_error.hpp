#pragma once
// Internal to net/: mbedTLS error codes in words for messages. Pure; never fails.

#include <string>

namespace net::detail {

// mbedtls_strerror's text followed by the code in hex, so a user can look it
// up: "SSL - The connection indicated an EOF (-0x7280)".
std::string mbed_error_text(int code);

}  // namespace net::detail
