#pragma once
// Named limits on what a POP3 server may make the engine hold. Every buffer the
// engine keeps is bounded by one of these, so a hostile or broken server can
// neither exhaust memory nor flood the logs. The numbers are generous: an
// honest server never comes close.

#include <cstddef>

namespace pop3 {

// A greeting, status, CAPA or LIST/UIDL line, without its CRLF. RFC 2449 §4
// caps a response line at 512 octets, but long -ERR texts exist in the wild;
// 8 KiB tolerates them and still bounds the line buffer.
inline constexpr std::size_t kMaxReplyLineLength = 8 * 1024;

// RFC 1939 §7: a unique-id is 1 to 70 characters in 0x21..0x7E. Some servers
// send longer ids; 255 tolerates them while keeping the archive's key small.
inline constexpr std::size_t kMaxUidlLength = 255;

// RFC 5034 §4: an AUTH command carrying an initial response must not exceed
// 255 octets including its CRLF; longer ones go out as a continuation.
inline constexpr std::size_t kMaxAuthCommandLength = 255;

// CAPA: at most this many SASL mechanisms are remembered; more are ignored.
inline constexpr std::size_t kMaxSaslMechanisms = 32;

// CAPA: a reply with more capability lines than this is a protocol error.
// Memory is bounded anyway (unknown lines are dropped), but a server that
// never ends its CAPA list would otherwise hold the session forever: it never
// falls silent, so no timeout fires. Real servers send about a dozen lines.
inline constexpr std::size_t kMaxCapaLines = 256;

// Server text quoted in messages and events is cut at common::kMaxQuotedServerText.

}  // namespace pop3
