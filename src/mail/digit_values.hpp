#pragma once
// The digit values behind base64 (RFC 2045 §6.8) and hex escapes (quoted-
// printable, RFC 2047 Q encoding), shared by the body-text and encoded-word
// decoders, which differ only in how strict they are. Pure; -1 for "not a digit".

namespace mail::detail {

inline int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

inline int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace mail::detail
